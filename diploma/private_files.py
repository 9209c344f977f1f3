"""The instance folder (database, job queue, job results, uploads, secrets) is private to the service's
account: the folder 0700, its files 0600 (issue 25, finding 5). ``make_instance_private`` sets the process's
umask to 0077 (so that everything created from then on — SQLite files and their journals, the queue,
results, uploads — is private) and takes away the group's and others' access to what is already there.
Called where the app and the worker start (``create_app`` outside tests); scripts/serve.sh and the Makefile
set the same umask for what they create themselves."""
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO


def make_instance_private(path):
    """umask 0077; ``path`` made (0700) if missing; the group's and others' bits removed below it."""
    os.umask(PRIVATE_UMASK)
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_shared_bits(path)
    for folder, folders, files in os.walk(path):
        for name in folders + files:
            _remove_shared_bits(Path(folder, name))


def _remove_shared_bits(path):
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode) or not mode & SHARED_BITS or path.lstat().st_uid != os.geteuid():
            return
        path.chmod(stat.S_IMODE(mode) & ~SHARED_BITS)
    except OSError:  # gone meanwhile, or not ours to change: left as it is
        pass
