"""Who may move a record along its lifecycle, and what each move needs.

    draft ──submit──▶ in review ──publish──▶ published ──▶ retracted / archived
      ▲                  │
      └──return (reason)─┘

Partner institutions submit their own drafts; curators make every other move.
Reviewers (staff in the "reviewer" group) read everything and make the two
moves of review, publish and return, but edit nothing: an editor or
fact-checker who signs records off without writing them. A record a curator
or partner submitted is published by a *second* person, a reviewer or curator:
not the one who submitted it, nor anyone who changed it while it waited. An
installation with one curator sets ``REVIEW_SINGLE_CURATOR``, which lets a
curator publish their own work, straight from draft if they like. Moves made
by the registry itself (``user=None``: the seed loader, imports run by an
operator) are not a person's judgement and keep only the lifecycle's shape.

``services.record_transition`` calls ``check_move`` on the row it has locked,
so the rule is decided on the stored state, never on a copy read earlier.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from registry.models import Lifecycle, PartnerInstitution, Record

CURATOR_GROUP = "curator"
REVIEWER_GROUP = "reviewer"

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Lifecycle.DRAFT: {Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, Lifecycle.ARCHIVED},
    Lifecycle.IN_REVIEW: {Lifecycle.DRAFT, Lifecycle.PUBLISHED, Lifecycle.ARCHIVED},
    Lifecycle.PUBLISHED: {Lifecycle.RETRACTED, Lifecycle.ARCHIVED},
    Lifecycle.RETRACTED: {Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, Lifecycle.ARCHIVED},
    Lifecycle.ARCHIVED: {Lifecycle.DRAFT},
}

# The only move a partner makes, on its own submissions.
PARTNER_MOVES = {(Lifecycle.DRAFT, Lifecycle.IN_REVIEW)}

# The moves a reviewer makes: the two ways out of the review queue.
REVIEW_MOVES = {(Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED), (Lifecycle.IN_REVIEW, Lifecycle.DRAFT)}

# How far back the history is read to find who submitted a record under review.
AUTHOR_SCAN_LIMIT = 500


class MoveRefused(PermissionDenied):
    """The lifecycle allows the move, but not by this person; the message says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


def is_curator(user) -> bool:
    """Superusers, and staff in the curators' group."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (user.is_staff and user.groups.filter(name=CURATOR_GROUP).exists())


def is_reviewer(user) -> bool:
    """Staff in the reviewers' group (a curator reviews too, but is not counted here)."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    return user.groups.filter(name=REVIEWER_GROUP).exists()


def reads_everything(user) -> bool:
    """Curators and reviewers: they see every record, in any state."""
    return is_curator(user) or is_reviewer(user)


def single_curator() -> bool:
    return bool(getattr(settings, "REVIEW_SINGLE_CURATOR", False))


def publishes_own_work(user) -> bool:
    """Whether what ``user`` brings in may be published without a second person: the
    registry's own writes (``user=None``), or anyone's on a single-curator install."""
    return user is None or single_curator()


def pending_authors(record: Record) -> set[int]:
    """Ids of the users who submitted ``record`` for review or changed it since.

    Read from the history: the versions saved since the record last entered
    "in review", including the one that put it there.
    """
    return authors_from_versions(
        record.history.order_by("-history_date", "-history_id").values_list(
            "lifecycle", "history_user_id"
        )[:AUTHOR_SCAN_LIMIT]
    )


def authors_from_versions(versions: Iterable[tuple[str, int | None]]) -> set[int]:
    """``pending_authors`` from (lifecycle, user id) pairs of the history, newest first."""
    authors: set[int] = set()
    for lifecycle, user_id in versions:
        if lifecycle != Lifecycle.IN_REVIEW:
            break
        if user_id is not None:
            authors.add(user_id)
    return authors


def _label(state: str) -> str:
    return str(Lifecycle(state).label).lower()


def check_shape(*, record: Record, to: str) -> None:
    """The lifecycle itself: which states follow which."""
    if to not in ALLOWED_TRANSITIONS.get(record.lifecycle, set()):
        raise ValidationError(
            {
                "lifecycle": _("A %(from)s record cannot become %(to)s.")
                % {"from": _label(record.lifecycle), "to": _label(to)}
            }
        )


def check_move(
    *,
    record: Record,
    to: str,
    user=None,
    partner: PartnerInstitution | None = None,
    reason: str = "",
) -> None:
    """Refuse the move unless the lifecycle allows it and ``user`` may make it.

    Raises ``ValidationError`` for a move the lifecycle does not have or that
    lacks its reason, ``MoveRefused`` for one this person may not make.
    """
    check_shape(record=record, to=to)
    move = (record.lifecycle, to)
    if partner is not None:
        if move not in PARTNER_MOVES:
            raise MoveRefused(
                _(
                    "Partner institutions submit their drafts for review; curators make "
                    "every other move, and your submissions wait in the review queue."
                )
            )
        if record.submitted_by_id != partner.pk:
            raise MoveRefused(_("You may submit only your own institution's records."))
        return
    if user is None:
        return  # the registry itself: seed loader, imports
    if not is_curator(user):
        if not is_reviewer(user):
            raise MoveRefused(_("Only curators and reviewers move records along their lifecycle."))
        if move not in REVIEW_MOVES:
            raise MoveRefused(
                _("Reviewers publish or return records under review; curators make every other move.")
            )
    if move == (Lifecycle.IN_REVIEW, Lifecycle.DRAFT) and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why the record goes back: its submitter reads this.")}
        )
    if to == Lifecycle.PUBLISHED and not publishes_own_work(user):
        _check_second_curator(record=record, user=user)


def _check_second_curator(*, record: Record, user) -> None:
    if record.lifecycle != Lifecycle.IN_REVIEW:
        raise MoveRefused(_("Submit the record for review first: another curator publishes it."))
    if user.pk in pending_authors(record):
        raise MoveRefused(
            _(
                "You submitted or changed this record during its review; another curator "
                "publishes it."
            )
        )
