"""The refusals of signing: a translated message, shown by the page or the command that asked for it."""


class SigningError(Exception):
    """Nothing could be signed (no passphrase, a wrong one, no key): nothing unsigned is handed out."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
