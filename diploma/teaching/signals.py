"""What teaching tells the domains above it, as named signals (blinker, as Flask and Indico use): teaching
imports none of them; each connects its receiver at app creation (``diploma.create_app``)."""
from blinker import Namespace

_signals = Namespace()

offering_created = _signals.signal("offering-created", doc="""
An offering was added to the session (``teaching.services.add_offering``), not flushed yet. Sent with the
offering; grading gives it its gradebook.""")
