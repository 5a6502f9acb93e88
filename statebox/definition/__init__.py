"""The definition side: a definition (text or JSON) → the frozen model, every problem found once.

parse.py          parse / Builder: validation/ finds every problem, then the model is built
model.py          Machine, StateGraph, State: frozen, shared by every execution
resume_schema.py  a pending point's ResumeSchema: checked when the definition is, applied on resume
"""
