"""实体解析与关系图谱 — entity resolution (who is who) and the relation graph (who is related to whom)."""
