"""The error a service raises when a business rule refuses an action.

Its message is a (lazily) translated string, shown to the user as it is; the service has changed
nothing that the caller will commit.
"""


class RuleViolation(Exception):
    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
