"""Reports (信访举报), their attachments and the exchange with the reporter.

State changes happen only in ``actions.py``. The reporter's identity and the original attachments are
stored only sealed to the intake office's public key (``keys.py``); the receipt code only as a slow
hash (``receipts.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):  # 渠道: 信、访、网、电、微
    LETTER = "letter", _("Letter")  # 来信
    VISIT = "visit", _("Visit")  # 来访
    WEB = "web", _("Web")  # 网络举报
    PHONE = "phone", _("Phone (12388)")  # 电话举报
    WECHAT = "wechat", _("WeChat")  # 微信举报


class State(models.TextChoices):  # 办理状态
    REGISTERED = "registered", _("Registered")  # 登记
    ACCEPTED = "accepted", _("Accepted")  # 受理 (and passed on as a lead)
    TRANSFERRED_UP = "transferred_up", _("Transferred to the upper level")  # 上报
    TRANSFERRED_DOWN = "transferred_down", _("Transferred to the lower level")  # 转下级
    NOT_ACCEPTED = "not_accepted", _("Not accepted")  # 不予受理
    MERGED = "merged", _("Merged into another report")  # 合并
    CLOSED = "closed", _("Handling concluded")  # 办结


class Satisfaction(models.TextChoices):  # 满意度
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    PARTLY = "partly", _("Partly satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Not satisfied")  # 不满意


class Report(models.Model):
    """One report from one channel. ``identity_sealed`` is empty for an anonymous report."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("handled by")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.REGISTERED, db_index=True
    )
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(  # 接收人; empty for web and WeChat
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel_ref = models.CharField(_("channel reference"), max_length=120, blank=True)
    # Whom the report concerns (被反映人)
    concerns_name = models.CharField(_("name of the person concerned"), max_length=100)
    concerns_unit = models.CharField(_("unit"), max_length=200, blank=True)
    concerns_position = models.CharField(_("position"), max_length=200, blank=True)
    concerns_leader = models.BooleanField(_("concerns a leader of this body"), default=False)
    # What happened
    facts = models.TextField(_("what happened"))
    happened_when = models.CharField(_("when"), max_length=200, blank=True)
    happened_where = models.CharField(_("where"), max_length=200, blank=True)
    # The reporter (举报人): real-name or anonymous; identity sealed, never in clear.
    real_name = models.BooleanField(_("real-name report"), default=False)
    identity_sealed = models.BinaryField(blank=True, default=b"", editable=False)
    receipt_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Handling
    lead_id = models.BigIntegerField(_("lead"), null=True, blank=True)  # cases.Lead, by id
    lead_number = models.CharField(_("lead number"), max_length=20, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transfer_due = models.DateField(_("transfer due"), null=True, blank=True)  # 5 working days
    group = models.ForeignKey(  # 重复件/关联件: the first report of its group
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="grouped"
    )
    # Feedback clocks (答复期限), real-name reports only
    acceptance_due = models.DateField(_("acceptance feedback due"), null=True, blank=True)
    acceptance_told_at = models.DateTimeField(null=True, blank=True)
    closed_on = models.DateField(_("concluded on"), null=True, blank=True)
    result_due = models.DateField(_("result feedback due"), null=True, blank=True)
    result_told_at = models.DateTimeField(null=True, blank=True)
    clock_problem = models.CharField(max_length=200, blank=True)  # e.g. a calendar year not loaded
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    expires_on = models.DateField(_("deleted on"), null=True, blank=True)  # retention, not accepted
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [models.Index(fields=["division", "state"])]
        constraints = [
            # One report per WeChat message: WeChat delivers a message again when it got no answer.
            models.UniqueConstraint(
                fields=["channel", "channel_ref"],
                condition=models.Q(channel="wechat") & ~models.Q(channel_ref=""),
                name="intake_one_report_per_wechat_msgid",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"JB{self.received_at:%Y}-{self.pk:06d}"


class Attachment(models.Model):
    """A file with a report: the copy shown in clear, the original only sealed.

    Only images are cleaned (re-encoded without metadata). PDF, Word, Excel and text files are kept
    as delivered and may carry their author's metadata: their download needs the reporter-identity
    capability and a reason (views.staff_attachment).
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)  # of the cleaned copy
    cleaned = models.BinaryField()
    original_sealed = models.BinaryField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def metadata_removed(self) -> bool:
        """True for images, re-encoded from their pixels; other files are kept as delivered."""
        return self.content_type in ("image/jpeg", "image/png")


class Message(models.Model):
    """The exchange with the reporter: questions, answers, added information and feedback."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question to the reporter")  # 向举报人询问
        REPORTER = "reporter", _("From the reporter")  # 举报人补充/答复
        ACCEPTANCE = "acceptance", _("Feedback on acceptance")  # 受理情况告知
        RESULT = "result", _("Feedback on the result")  # 办理结果告知
        NOTE = "note", _("Internal note")  # 内部备注 (never shown to the reporter)

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"
