"""Leads (问题线索), cases (案件) and what hangs off them: approvals, clocks, measures, evidence.

State changes happen only in ``actions.py``; every row here that carries a ``version`` is changed
under optimistic locking (a second writer holding an older version is refused, nothing is lost).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LeadSource(models.TextChoices):  # 线索来源
    REPORT = "report", _("Report (letter, visit, call, web)")  # 信访举报
    ALERT = "alert", _("Risk alert")  # 预警
    MOBILE = "mobile", _("Mobile terminal")  # 移动监督终端
    AUDIT = "audit", _("Audit transfer")  # 审计移送
    INSPECTION = "inspection", _("Inspection transfer")  # 巡视巡察移交
    UPPER = "upper", _("Assigned by the upper level")  # 上级交办
    OTHER = "other", _("Other")


class Classification(models.TextChoices):  # 密级
    INTERNAL = "internal", _("Internal")  # 内部
    CONFIDENTIAL = "confidential", _("Confidential")  # 秘密
    SECRET = "secret", _("Secret")  # 机密


class CaseType(models.TextChoices):  # 案件类别
    DISCIPLINE = "discipline", _("Violation of discipline")  # 违纪
    DUTY_VIOLATION = "duty_violation", _("Duty violation")  # 职务违法
    DUTY_CRIME = "duty_crime", _("Duty crime")  # 职务犯罪


class Lead(models.Model):
    """A problem lead (问题线索), from any source, until it is disposed of or filed as a case."""

    division = models.ForeignKey("orgs.Division", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True)
    summary = models.TextField(_("summary"))
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, default=Classification.INTERNAL
    )
    priority = models.BooleanField(_("green channel"), default=False)  # 快查快办
    state = models.CharField(_("state"), max_length=32, default="registered", db_index=True)
    received_on = models.DateField(_("received on"))
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-priority", "-received_on", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"XS{self.received_on:%Y}-{self.pk:05d}"


class PersonConcerned(models.Model):
    """A person a lead is about (被反映人). ``identity_id`` links a resolved identity when known."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("full name"), max_length=100)
    identity_id = models.CharField(_("resolved identity"), max_length=64, blank=True, db_index=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    # Entered by hand until the relation graph exists (see recusal.py): names of close relatives.
    family_names = models.CharField(_("close relatives (names)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("person concerned")
        verbose_name_plural = _("persons concerned")

    def __str__(self) -> str:
        return self.name

    def family(self) -> list[str]:
        return [
            name.strip()
            for name in self.family_names.replace("，", ",").replace("、", ",").split(",")
            if name.strip()
        ]


class Case(models.Model):
    """A filed case (案件), born from a lead by 立案."""

    lead = models.OneToOneField(Lead, on_delete=models.PROTECT, related_name="case")
    division = models.ForeignKey("orgs.Division", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices)
    major = models.BooleanField(_("major case"), default=False)  # 重大案件
    priority = models.BooleanField(_("green channel"), default=False)  # 快查快办
    state = models.CharField(_("state"), max_length=32, default="filed", db_index=True)
    filed_on = models.DateField(_("filed on"))
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)  # 审结 (or first transfer)
    ever_transferred = models.BooleanField(default=False)
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cases_shared", verbose_name=_("shared with")
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-priority", "-filed_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"AJ{self.filed_on:%Y}-{self.pk:05d}"


class CaseMember(models.Model):
    """Case team membership (专案组成员): investigators see only their team's cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships"
    )
    leader = models.BooleanField(_("team leader"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="cases_member_once")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class Approval(models.Model):
    """A request awaiting (or given) a leader's approval (审批): a step, an extension, a measure."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("Step")
        EXTENSION = "extension", _("Extension")
        MEASURE = "measure", _("Measure")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals")
    transition = models.CharField(max_length=64, blank=True)
    deadline = models.ForeignKey(
        "Deadline", null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    measure = models.ForeignKey(
        "Measure", null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    payload = models.JSONField(default=dict, blank=True)  # reason, extension kind, case details…
    approver_capability = models.CharField(max_length=64, default="approve")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.transition or self.pk} ({self.status})"


class Deadline(models.Model):
    """One running or stopped legal clock (期限) of a lead, case or measure."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        MET = "met", _("Stopped in time")
        LATE = "late", _("Stopped late")

    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines")
    measure = models.ForeignKey(
        "Measure", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    clock = models.CharField(max_length=64)
    rule_version = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    due_on = models.DateField(null=True, blank=True)  # None when the calendar for its year is missing
    due_at = models.DateTimeField(null=True, blank=True)  # hour clocks (24 小时通知)
    target_on = models.DateField(null=True, blank=True)  # green-channel internal target
    problem = models.CharField(max_length=300, blank=True)
    round = models.PositiveSmallIntegerField(default=1)
    extensions = models.JSONField(default=list, blank=True)  # [{kind, from, to, approved_by, at}]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "due_at", "id"]

    def __str__(self) -> str:
        return f"{self.clock} {self.due_on}"

    def extensions_of(self, kind: str) -> int:
        return sum(1 for e in self.extensions if e.get("kind") == kind)


class MeasureKind(models.TextChoices):  # 调查措施
    TALK = "talk", _("Talk")  # 谈话
    INTERROGATION = "interrogation", _("Interrogation")  # 讯问
    INQUIRY = "inquiry", _("Witness inquiry")  # 询问
    QUERY = "query", _("Query of deposits and assets")  # 查询
    FREEZE = "freeze", _("Freeze")  # 冻结
    OBTAIN = "obtain", _("Retrieval of materials")  # 调取
    SEIZE = "seize", _("Sealing up or seizure")  # 查封、扣押
    # With a context: plain "Search" is 搜索 (searching text) elsewhere; the measure is 搜查.
    SEARCH = "search", pgettext_lazy("investigation measure", "Search")  # 搜查
    DETENTION = "detention", _("Detention")  # 留置
    TECHNICAL = "technical", _("Technical investigation")  # 技术调查
    EXIT_BAN = "exit_ban", _("Exit restriction")  # 限制出境


class Measure(models.Model):
    """An investigation measure (调查措施): approved, started, ended, with its required records."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=20, choices=MeasureKind.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class EvidenceType(models.TextChoices):  # 证据种类 and required procedural records
    DOCUMENTARY = "documentary", _("Documentary evidence")  # 书证
    PHYSICAL = "physical", _("Physical evidence")  # 物证
    WITNESS = "witness", _("Witness testimony")  # 证人证言
    STATEMENT = "statement", _("Statement of the person investigated")  # 被调查人陈述
    AUDIO_VIDEO = "audio_video", _("Audio-visual material")  # 视听资料
    ELECTRONIC = "electronic", _("Electronic data")  # 电子数据
    EXPERT = "expert", _("Expert opinion")  # 鉴定意见
    RECORD = "record", _("Inspection or examination record")  # 勘验检查笔录
    AV_RECORDING = "av_recording", _("Synchronized audio-video recording")  # 同步录音录像
    SEIZURE_LIST = "seizure_list", _("List of items searched, retrieved or seized")  # 清单
    NOTIFICATION = "notification", _("Notice to unit and family")  # 通知书


class Evidence(models.Model):
    """An evidence item (证据) with the SHA-256 of its file and its chain of custody (保管链)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    evidence_type = models.CharField(_("type"), max_length=20, choices=EvidenceType.choices)
    description = models.CharField(_("description"), max_length=300)
    source = models.CharField(_("source"), max_length=200)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to="cases/evidence/%Y/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")

    def __str__(self) -> str:
        return f"#{self.pk} {self.description}"


class CustodyEntry(models.Model):
    """One hand-over in an item's chain of custody (交接记录)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="custody")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("location"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    at = models.DateTimeField()
    ledger_index = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.evidence_id} → {self.to_user_id} @ {self.location}"


class ProcuratorateReturn(models.Model):
    """A return for supplementary investigation (退回补充调查) with the procuratorate's reasons."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="returns")
    round = models.PositiveSmallIntegerField()
    reasons = models.TextField(_("reasons"))
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField()

    class Meta:
        ordering = ["round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="cases_return_round_once")]

    def __str__(self) -> str:
        return f"{self.case_id} round {self.round}"


class Consultation(models.Model):
    """A consultation (案件会商) with the procuratorate liaison."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    held_on = models.DateField(_("held on"))
    liaison = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    participants = models.CharField(_("participants"), max_length=300)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class TimelineEntry(models.Model):
    """One step in a lead's and its case's history, with who, on what basis, and its ledger index."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="timeline")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline")
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)  # the ledger event kind, e.g. "case.transferred"
    step = models.CharField(max_length=64, blank=True)  # workflow transition code, when it is one
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.CharField(max_length=255, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    ledger_index = models.BigIntegerField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ledger_index}"
