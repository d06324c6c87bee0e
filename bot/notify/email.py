"""E-mail: a plain-text and HTML message from templates/notifications/, over SMTP.

Every mail about one case refers to the same thread root (`In-Reply-To` and
`References: <case-id.case@domain>`), so a mail client shows one case as one
thread; each mail's own `Message-ID` is the outbox message's idempotency key.
smtplib runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import anyio.to_thread

from bot.notify.http import DeliveryFailed
from bot.notify.settings import NotifySettings, SmtpSecurity
from bot.notify.view import NotificationView
from bot.templating import render_text


def _domain(mail_from: str) -> str:
    return mail_from.rpartition("@")[2] or "casebot.local"


def thread_id(view: NotificationView, mail_from: str) -> str:
    return f"<{view.case_id}.case@{_domain(mail_from)}>"


def build(view: NotificationView, *, to: str, mail_from: str, now: datetime) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = view.headline
    mail["From"] = mail_from
    mail["To"] = to
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{view.id}@{_domain(mail_from)}>"
    root = thread_id(view, mail_from)
    mail["In-Reply-To"] = root
    mail["References"] = root
    mail.set_content(render_text("notifications/email.txt.j2", view=view) + "\n")
    mail.add_alternative(render_text("notifications/email.html.j2", view=view), subtype="html")
    return mail


def _send_now(settings: NotifySettings, mail: EmailMessage) -> str:
    if not settings.smtp_host:
        raise DeliveryFailed("no SMTP server is set (CASEBOT_SMTP_HOST)", retry=True)
    try:
        if settings.smtp_security == SmtpSecurity.TLS:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
        with smtp:
            if settings.smtp_security == SmtpSecurity.STARTTLS:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            refused = smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryFailed(
            f"the mail server refused {mail['To']}: {error}", retry=False
        ) from None
    except smtplib.SMTPResponseException as error:
        # 4xx: try again later; 5xx: the server will not take it.
        text = f"{error.smtp_code} {error.smtp_error!r}"
        raise DeliveryFailed(
            f"the mail server answered {text}", retry=error.smtp_code < 500, answer=text
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"could not send mail: {error}", retry=True) from None
    if refused:
        raise DeliveryFailed(f"the mail server refused {sorted(refused)}", retry=False)
    return f"250 accepted for {mail['To']}"


async def send(settings: NotifySettings, view: NotificationView, *, to: str, now: datetime) -> str:
    mail = build(view, to=to, mail_from=settings.mail_from, now=now)
    return await anyio.to_thread.run_sync(_send_now, settings, mail)
