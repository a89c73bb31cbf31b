"""An intruder's mail client that stays connected, for the secure-this-account integration test.

usage: imap_held_session.py IMAP_PORT USER PASSWORD
Logs in and prints "logged-in"; then, for each line read on standard input, sends a NOOP and prints
"connected" while the server still answers, or "disconnected: <why>" once it has closed the session
(and ends).
"""
import imaplib, sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = imaplib.IMAP4('127.0.0.1', port)
m.login(user, password)
m.select('INBOX')
print('logged-in', flush=True)
for _ in sys.stdin:
    try:
        m.noop()
        print('connected', flush=True)
    except (imaplib.IMAP4.abort, OSError, EOFError) as error:
        print(f'disconnected: {error}', flush=True)
        break
