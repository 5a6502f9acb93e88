"""Parts of the engine kept out of `engine.py`: what a resume must pass before it claims its
point (`admission`), how due timers fire (`timers`), and what the audit trail keeps (`audit`).
`Engine` (engine.py) calls them; none of them is called from anywhere else."""
