// Kept trivial on purpose: top-level code is main-actor isolated, and C
// callbacks must not be written here (see ServeCommand.swift).
MarqueeCommand.main()
