"""信访举报受理 — report intake: five channels, receipts, reporter protection, feedback deadlines."""
