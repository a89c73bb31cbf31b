"""Submits one message through Mailwarden with Python's smtplib, as a real mail client would.

usage: smtplib_submit.py PORT USER PASSWORD FROM TO SUBJECT [starttls|implicit|plain-auth]
Prints one JSON line: {"ok": bool, "code": int, "reply": str, "stage": str}.
"""
import json
import smtplib
import ssl
import sys

port, user, password, sender, recipient, subject, mode = (sys.argv[1:] + ["starttls"])[:7]
context = ssl.create_default_context()
# The self-signed certificate generated on first start is not in any trust store.
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
stage = "connect"
try:
    if mode == "implicit":
        client = smtplib.SMTP_SSL("127.0.0.1", int(port), context=context, timeout=20)
    else:
        client = smtplib.SMTP("127.0.0.1", int(port), timeout=20)
    client.ehlo("python-client.test")
    if mode == "starttls":
        stage = "starttls"
        client.starttls(context=context)
        client.ehlo("python-client.test")
    stage = "auth"
    if mode == "plain-auth":
        code, reply = client.docmd("AUTH", "PLAIN " + __import__("base64").b64encode(f"\0{user}\0{password}".encode()).decode())
        print(json.dumps({"ok": code == 235, "code": code, "reply": reply.decode(), "stage": stage}))
        sys.exit(0)
    client.login(user, password)
    stage = "send"
    message = f"From: {sender}\r\nTo: {recipient}\r\nSubject: {subject}\r\nMessage-ID: <smtplib-{subject.replace(' ', '-')}@python.test>\r\n\r\nSent by smtplib.\r\n"
    client.sendmail(sender, [recipient], message.encode())
    client.quit()
    print(json.dumps({"ok": True, "code": 250, "reply": "sent", "stage": stage}))
except smtplib.SMTPResponseException as error:
    print(json.dumps({"ok": False, "code": error.smtp_code, "reply": error.smtp_error.decode(errors="replace"), "stage": stage}))
except smtplib.SMTPRecipientsRefused as error:
    code, reply = list(error.recipients.values())[0]
    print(json.dumps({"ok": False, "code": code, "reply": reply.decode(errors="replace"), "stage": stage}))
