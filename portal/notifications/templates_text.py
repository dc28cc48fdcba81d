"""Plain-text email wording per event, in the recipient's language (en, ru, kk).

Events without their own wording fall back to a generic message in the same language; a language
without a wording falls back to English.
"""

from __future__ import annotations

SUBJECTS: dict[str, dict[str, str]] = {
    "permit.issued": {
        "en": "Your permit {permit} has been issued",
        "ru": "Ваше разрешение {permit} выдано",
        "kk": "Сіздің {permit} рұқсатыңыз берілді",
    },
    "application.info_requested": {
        "en": "{reference}: the authority asks for more information",
        "ru": "{reference}: орган запрашивает дополнительные сведения",
        "kk": "{reference}: орган қосымша мәліметтер сұрайды",
    },
    "application.approved": {
        "en": "{reference} is approved",
        "ru": "Заявление {reference} одобрено",
        "kk": "{reference} өтініші мақұлданды",
    },
    "application.rejected": {
        "en": "{reference} is rejected",
        "ru": "Заявление {reference} отклонено",
        "kk": "{reference} өтініші қабылданбады",
    },
    "application.authority_late": {
        "en": "{reference}: the authority has missed its deadline",
        "ru": "{reference}: орган нарушил срок рассмотрения",
        "kk": "{reference}: орган қарау мерзімін өткізіп алды",
    },
    "application.deadline_reminder": {
        "en": "Reminder: {reference} is due soon",
        "ru": "Напоминание: срок по {reference} скоро истекает",
        "kk": "Еске салу: {reference} мерзімі жақында бітеді",
    },
    "permit.expiry_reminder": {
        "en": "Your permit {permit} expires in {days} days",
        "ru": "Срок действия разрешения {permit} истекает через {days} дн.",
        "kk": "{permit} рұқсатының мерзімі {days} күннен кейін аяқталады",
    },
    "council.consultation_opened": {
        "en": "Public consultation open: {title}",
        "ru": "Открыто публичное обсуждение: {title}",
        "kk": "Қоғамдық талқылау ашылды: {title}",
    },
    "council.comment_answered": {
        "en": "The council answered your comment on {title}",
        "ru": "Совет ответил на ваш комментарий к проекту «{title}»",
        "kk": "Кеңес «{title}» жобасына берген пікіріңізге жауап берді",
    },
    "council.outcome_published": {
        "en": "Outcome published: {title}",
        "ru": "Опубликованы итоги обсуждения: {title}",
        "kk": "Талқылау қорытындысы жарияланды: {title}",
    },
    "council.concern_raised": {
        "en": "New concern for the council: {subject}",
        "ru": "Новое обращение в совет: {subject}",
        "kk": "Кеңеске жаңа өтініш: {subject}",
    },
    "council.concern_answered": {
        "en": "The council answered your concern: {subject}",
        "ru": "Совет ответил на ваше обращение: {subject}",
        "kk": "Кеңес сіздің өтінішіңізге жауап берді: {subject}",
    },
    "council.concern_referred": {
        "en": "The council referred a concern to you: {subject}",
        "ru": "Совет направил вам обращение: {subject}",
        "kk": "Кеңес сізге өтініш жіберді: {subject}",
    },
    "council.report_published": {
        "en": "Accountability report published: {council}, {period}",
        "ru": "Опубликован отчёт о подотчётности: {council}, {period}",  # noqa: RUF001
        "kk": "Есептілік есебі жарияланды: {council}, {period}",  # noqa: RUF001
    },
}
GENERIC_SUBJECT = {
    "en": "Creative Permits Portal: {event} {reference}{permit}",
    "ru": "Портал креативных разрешений: {event} {reference}{permit}",
    "kk": "Креативті рұқсаттар порталы: {event} {reference}{permit}",
}
FOOTER = {
    "en": "Sign in to the portal to see the details.",
    "ru": "Войдите на портал, чтобы увидеть подробности.",
    "kk": "Толығырақ білу үшін порталға кіріңіз.",
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(event: str, payload: dict, language: str) -> tuple[str, str]:
    """(subject, body) for an event, in `language` where written, else English."""
    language = language if language in FOOTER else "en"
    values = _Blank({key: str(value) for key, value in (payload or {}).items()}, event=event)
    wording = SUBJECTS.get(event, GENERIC_SUBJECT)
    subject = (wording.get(language) or wording["en"]).format_map(values).strip()
    details = [f"{key}: {value}" for key, value in sorted((payload or {}).items())]
    body = "\n".join([subject, "", *details, "", FOOTER[language]])
    return f"[Creative Permits Portal] {subject}", body


DIGEST_SUBJECT = {
    "en": "[Creative Permits Portal] Your daily digest: {count} updates",
    "ru": "[Портал креативных разрешений] Ежедневная сводка: {count} обновл.",
    "kk": "[Креативті рұқсаттар порталы] Күнделікті жинақ: {count} жаңарту",
}


def digest_subject(language: str, count: int) -> str:
    return DIGEST_SUBJECT.get(language, DIGEST_SUBJECT["en"]).format(count=count)
