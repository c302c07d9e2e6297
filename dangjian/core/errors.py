class ActionError(Exception):
    """A domain action refused what it was asked to do. The message is Chinese and says why
    (quoting the article where a rule forbids it) and, where it can, what to do instead."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
