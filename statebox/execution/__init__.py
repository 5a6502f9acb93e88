"""The execution layer: everything between the pure interpreter and the store. The façade is
`engine.Engine` (its docstring walks through an execution's life and names the module for each
part): `admission` (what a start or resume must pass), `claims` (claim once, leases),
`commit` (run the interpreter, commit the record), `timers`, `views` (ExecutionResult and what
callers see), `audit`, `records` (the typed record and its JSON), `encoding` (the record as
stored: bytes, shared data written once) and `library` (`statebox.run` ...)."""
