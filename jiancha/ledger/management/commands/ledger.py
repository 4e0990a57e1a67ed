"""``jiancha ledger ...``: checkpoints, witnesses, proofs, export, offline verification, anchoring.

Thin: each subcommand parses its arguments and calls ``services``, ``witness`` or ``verify``.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jiancha.ledger import keys, services
from jiancha.ledger import witness as witness_module
from jiancha.ledger.anchor import AnchorError, FileAnchor, check_anchored
from jiancha.ledger.merkle import ProofError
from jiancha.ledger.models import AnchorRecord, Checkpoint
from jiancha.ledger.note import NoteError, Verifier
from jiancha.ledger.verify import add_trust_arguments, read_key_list, verify_export


def _key_text(value: str) -> str:
    """A key given inline or as the path of a file holding it."""
    path = Path(value)
    if "+" not in value and path.exists():
        return path.read_text().strip()
    if path.exists() and path.is_file():
        return path.read_text().strip()
    return value


class Command(BaseCommand):
    help = _("Tamper-evident ledger: checkpoints, witnesses, proofs, export and verification.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=ArgumentParser)

        keygen = sub.add_parser(
            "keygen", help=_("create the log's signing key, or a witness's cosigning key")
        )
        keygen.add_argument("--witness", metavar="NAME", help=_("make a witness key with this name"))
        keygen.add_argument("--out", type=Path, help=_("where to write the private key"))

        checkpoint = sub.add_parser(
            "checkpoint", help=_("sign a checkpoint now, or every --interval seconds")
        )
        checkpoint.add_argument("--force", action="store_true", help=_("sign even if no event was added"))
        checkpoint.add_argument("--interval", type=float, help=_("keep running, signing every N seconds"))
        checkpoint.add_argument(
            "--anchor-file", type=Path, help=_("also anchor each new checkpoint in this file")
        )

        sub.add_parser("status", help=_("show the tree size and the latest checkpoint with its cosigners"))

        add = sub.add_parser("witness-add", help=_("register a partner body's public cosigning key"))
        add.add_argument("vkey", help=_("verifier key, or a file holding it"))
        add.add_argument("--body", required=True, help=_("the partner body, e.g. the procuratorate"))

        request = sub.add_parser("witness-request", help=_("write what a witness needs to cosign"))
        request.add_argument("--from-size", type=int, default=0, help=_("the size the witness last cosigned"))
        request.add_argument("--out", type=Path, help=_("file to write (default: standard output)"))

        witness = sub.add_parser(
            "witness", help=_("as a witness: verify the latest checkpoint and cosign it")
        )
        witness.add_argument("--key", type=Path, required=True, help=_("the witness's private key file"))
        witness.add_argument("--log-key", help=_("the log's verifier key (needed on first use)"))
        witness.add_argument(
            "--request", type=Path, help=_("a witness-request file; without it, this database")
        )
        witness.add_argument(
            "--out", type=Path, help=_("write the cosignature line here instead of storing it")
        )

        cosign = sub.add_parser("cosign", help=_("attach a cosignature line received from a witness"))
        cosign.add_argument("--checkpoint", type=int, required=True, help=_("checkpoint number"))
        cosign.add_argument("line", type=Path, help=_("file holding the cosignature line"))

        proof = sub.add_parser("proof", help=_("inclusion proof for an event"))
        target = proof.add_mutually_exclusive_group(required=True)
        target.add_argument("--index", type=int)
        target.add_argument("--uid")
        proof.add_argument("--size", type=int, help=_("tree size (default: the latest checkpoint's)"))

        consistency = sub.add_parser("consistency", help=_("consistency proof between two tree sizes"))
        consistency.add_argument("size1", type=int)
        consistency.add_argument("size2", type=int)

        export = sub.add_parser("export", help=_("write events and checkpoints to a file"))
        export.add_argument("file", type=Path)

        verify = sub.add_parser("verify", help=_("verify an export offline, or this database without FILE"))
        verify.add_argument("file", type=Path, nargs="?")
        verify.add_argument("--log-key", help=_("the log's verifier key, as the commission publishes it"))
        verify.add_argument("--witness-key", action="append", default=[], help=_("a witness's verifier key"))
        add_trust_arguments(verify)

        anchor = sub.add_parser(
            "anchor", help=_("anchor the latest checkpoint outside, or check the anchors")
        )
        anchor.add_argument(
            "--file", type=Path, help=_("the anchor file (default: DATA_DIR/ledger/anchor.jsonl)")
        )
        anchor.add_argument("--check", action="store_true", help=_("check every recorded anchor receipt"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except (NoteError, ProofError, AnchorError, witness_module.WitnessRefusal, OSError) as error:
            raise CommandError(str(error)) from error

    def _json(self, value: object) -> None:
        self.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str))

    def do_keygen(self, options: dict[str, Any]) -> None:
        if options["witness"]:
            path, signer = keys.new_witness_key(options["witness"], options["out"])
        else:
            path = keys.log_key_path()
            if path.exists():
                raise CommandError(_("a log key already exists at %(path)s") % {"path": path})
            signer = keys.log_signer()
        self.stdout.write(_("private key written to %(path)s (mode 0600)") % {"path": path})
        self.stdout.write(_("verifier key (publish it): %(vkey)s") % {"vkey": signer.verifier.vkey})

    def do_checkpoint(self, options: dict[str, Any]) -> None:
        signer = keys.log_signer()
        anchor = FileAnchor(options["anchor_file"]) if options["anchor_file"] else None
        while True:
            checkpoint, new = services.make_checkpoint(signer, force=options["force"])
            if new:
                self.stdout.write(
                    _("checkpoint %(id)d signed: size %(size)d")
                    % {"id": checkpoint.pk, "size": checkpoint.tree_size}
                )
                if anchor is not None:
                    record = services.anchor_checkpoint(anchor, checkpoint)
                    self.stdout.write(_("anchored: %(ref)s") % {"ref": record.reference})
            else:
                self.stdout.write(_("no new events since checkpoint %(id)d") % {"id": checkpoint.pk})
            if not options["interval"]:
                return
            self.stdout.flush()
            time.sleep(options["interval"])

    def do_status(self, options: dict[str, Any]) -> None:
        checkpoint = services.latest_checkpoint()
        self.stdout.write(_("tree size: %(size)d") % {"size": services.tree_size()})
        self.stdout.write(_("log key: %(vkey)s") % {"vkey": keys.log_verifier().vkey})
        if checkpoint is None:
            self.stdout.write(_("no checkpoint yet"))
            return
        summary = services.checkpoint_summary(checkpoint, keys.log_verifier())
        self.stdout.write(summary["note"])
        for cosigner in summary["cosigners"]:
            self.stdout.write(
                _("cosigned by %(name)s at %(time)s")
                % {"name": cosigner["name"], "time": cosigner["timestamp"]}
            )

    def do_witness_add(self, options: dict[str, Any]) -> None:
        key = services.register_witness(_key_text(options["vkey"]), options["body"])
        self.stdout.write(
            _("witness %(name)s registered for %(body)s") % {"name": key.name, "body": key.body}
        )

    def do_witness_request(self, options: dict[str, Any]) -> None:
        request = services.witness_request(options["from_size"])
        text = json.dumps(request.to_json(), ensure_ascii=False, indent=2)
        if options["out"]:
            options["out"].write_text(text + "\n")
        else:
            self.stdout.write(text)

    def do_witness(self, options: dict[str, Any]) -> None:
        signer = keys.read_private_key(options["key"])
        state_file = witness_module.state_path(options["key"])
        with witness_module.locked_state(state_file):
            self._witness_locked(options, signer, state_file)

    def _witness_locked(self, options: dict[str, Any], signer: Any, state_file: Path) -> None:
        state = witness_module.load_state(state_file)
        if options["log_key"]:
            log = Verifier.from_vkey(_key_text(options["log_key"]))
        elif state is not None:
            log = Verifier.from_vkey(state.log_vkey)
        elif options["request"] is None:
            log = keys.log_verifier()
        else:
            raise CommandError(_("first use: give --log-key, the key the log publishes"))
        old_size = state.size if state else 0
        checkpoint: Checkpoint | None = None
        if options["request"]:
            data = json.loads(options["request"].read_text())
            note, old_size = str(data["checkpoint"]), int(data["old_size"])
            proof = [base64.b64decode(p, validate=True) for p in data["proof"]]
        else:
            request = services.witness_request(old_size)
            checkpoint = Checkpoint.objects.get(pk=request.checkpoint_id)
            note, proof = request.note, request.proof
        try:
            result = witness_module.cosign(signer, log, note, old_size, proof, state)
        except witness_module.WitnessRefusal as refusal:
            raise CommandError(_("refused: %(reason)s") % {"reason": refusal}) from refusal
        # Remember what is cosigned before the cosignature leaves: a crash or a second run after
        # this point can then never cosign another root for the same size.
        witness_module.save_state(state_file, result.state)
        if options["out"] or checkpoint is None:
            target = options["out"]
            if target:
                target.write_text(result.line)
            else:
                sys.stdout.write(result.line)
        else:
            services.add_cosignature(checkpoint, result.line)
        self.stdout.write(
            _("cosigned size %(size)d as %(name)s") % {"size": result.size, "name": signer.name}
        )

    def do_cosign(self, options: dict[str, Any]) -> None:
        checkpoint = Checkpoint.objects.filter(pk=options["checkpoint"]).first()
        if checkpoint is None:
            raise CommandError(_("no checkpoint %(id)d") % {"id": options["checkpoint"]})
        cosignature = services.add_cosignature(checkpoint, options["line"].read_text())
        self.stdout.write(_("cosignature by %(name)s attached") % {"name": cosignature.witness.name})

    def do_proof(self, options: dict[str, Any]) -> None:
        index = options["index"]
        if options["uid"]:
            event = services.find_event(uid=options["uid"])
            if event is None:
                raise CommandError(_("no such event"))
            index = event.index
        proof = services.inclusion_proof(index, options["size"])
        self._json(
            {
                "index": proof.index,
                "tree_size": proof.tree_size,
                "leaf_hash": base64.b64encode(proof.leaf_hash).decode(),
                "proof": [base64.b64encode(p).decode() for p in proof.proof],
                "root_hash": base64.b64encode(proof.root_hash).decode(),
            }
        )

    def do_consistency(self, options: dict[str, Any]) -> None:
        proof = services.consistency_proof(options["size1"], options["size2"])
        self._json(
            {
                "size1": options["size1"],
                "size2": options["size2"],
                "proof": [base64.b64encode(p).decode() for p in proof],
            }
        )

    def do_export(self, options: dict[str, Any]) -> None:
        # Sign the head first when the log key is here, so that the export ends at a checkpoint.
        signer = keys.log_signer(create=False) if keys.log_key_path().exists() else None
        count = services.export_ledger(options["file"], keys.log_verifier(), signer)
        self.stdout.write(
            _("%(count)d events written to %(file)s") % {"count": count, "file": options["file"]}
        )

    def do_verify(self, options: dict[str, Any]) -> None:
        log_key = _key_text(options["log_key"]) if options["log_key"] else None
        witness_keys = [_key_text(key) for key in options["witness_key"]]
        if options["witness_keys"]:
            witness_keys += read_key_list(options["witness_keys"])
        if options["file"] is None:
            log = Verifier.from_vkey(log_key) if log_key else keys.log_verifier()
            witnesses = [Verifier.from_vkey(key) for key in witness_keys] or None
            report = services.check_database(log, witnesses)
        else:
            vkey_file = keys.log_key_path().with_suffix(".vkey")
            if log_key is None and vkey_file.exists():
                log_key = vkey_file.read_text().strip()
            checkpoint = options["trusted_checkpoint"]
            report = verify_export(
                options["file"],
                log_key,
                witness_keys,
                trust_embedded_log_key=options["trust_embedded_log_key"],
                trusted_checkpoint=checkpoint.read_text(encoding="utf-8") if checkpoint else None,
                min_size=options["min_size"],
            )
        self.stdout.write(report.render())
        if not report.ok:
            raise CommandError(_("the ledger does not verify"))

    def do_anchor(self, options: dict[str, Any]) -> None:
        anchor = FileAnchor(options["file"] or keys.ledger_dir() / "anchor.jsonl")
        if options["check"]:
            records = (
                AnchorRecord.objects.filter(anchor=anchor.name).select_related("checkpoint").order_by("id")
            )
            for record in records:
                checkpoint = record.checkpoint
                check_anchored(
                    anchor,
                    record.reference,
                    checkpoint.note,
                    checkpoint.tree_size,
                    bytes(checkpoint.root_hash),
                )
            self.stdout.write(_("%(count)d anchor receipts check out") % {"count": len(records)})
            return
        record = services.anchor_checkpoint(anchor)
        self.stdout.write(
            _("checkpoint %(id)d anchored: %(ref)s") % {"id": record.checkpoint_id, "ref": record.reference}
        )
