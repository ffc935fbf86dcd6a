"""Text risk detection: per-message classifiers (static MiniLM-distilled encoder + linear heads, offline,
explainable), grooming and sextortion risk across a conversation, personal information shared by
children, and language coverage. ``service`` is what the API and CLI call; the parts stay importable
on their own (``classifier``, ``grooming``, ``pii``, ``language``, ``normalize``, ``training``)."""
