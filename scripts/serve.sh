#!/bin/sh
# `make run`: the background-job worker and the web server together; Ctrl+C (or SIGTERM) stops both.
#   scripts/serve.sh PORT
# The worker (flask --app wsgi jobs worker) runs the queued jobs: printing, issuing, imports, backups.
# On Ctrl+C the worker finishes the job it is running (a job is all or nothing) and gunicorn its requests.
set -u
# Everything the worker and the web server write (database, queue, job results, uploads) is this account's
# alone: files 0600, folders 0700 (the app also sets this umask as it starts: diploma.private_files).
umask 077
PORT="${1:-5000}"
BIN="${BIN:-.venv/bin}"

"$BIN/flask" --app wsgi jobs worker &
worker=$!
"$BIN/gunicorn" --bind "127.0.0.1:$PORT" --workers 1 --threads 8 --access-logfile - wsgi:app &
web=$!

stop() {
    trap - INT TERM
    kill -INT "$worker" 2>/dev/null    # the worker: finish the running job, then stop
    kill -TERM "$web" 2>/dev/null      # gunicorn: finish the requests, then stop
    wait "$worker" 2>/dev/null
    wait "$web" 2>/dev/null
    exit 0
}
trap stop INT TERM

# Whichever stops first (a crash, a port already taken) stops the other: never a site without its worker.
while kill -0 "$worker" 2>/dev/null && kill -0 "$web" 2>/dev/null; do
    sleep 1
done
echo "serve.sh: the worker or the web server has stopped; stopping both." >&2
stop
