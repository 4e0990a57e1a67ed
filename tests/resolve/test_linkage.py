"""Clustering under the hard rule, and the name keys — no database, no pool."""

from jiancha.resolve import names
from jiancha.resolve.linkage import Edge, cluster


def test_a_chain_through_a_record_without_id_never_joins_two_ids():
    # sig:x looks like both A and B; it may join one of them, never both.
    roots = cluster(
        {"id:A", "id:B"},
        [
            Edge("sig:x", "id:A", 0.99),
            Edge("sig:x", "id:B", 0.98),
            Edge("sig:y", "id:B", 0.97),
            Edge("sig:x", "sig:y", 0.96),
        ],
        set(),
    )
    assert roots["id:A"] != roots["id:B"]
    assert roots["sig:x"] == roots["id:A"]
    assert roots["sig:y"] == roots["id:B"]


def test_strongest_link_wins_whatever_the_order_of_edges():
    edges = [Edge("sig:x", "id:A", 0.96), Edge("sig:x", "id:B", 0.99)]
    assert (
        cluster({"id:A", "id:B"}, edges, set())["sig:x"]
        == cluster({"id:A", "id:B"}, edges[::-1], set())["id:B"]
    )


def test_a_rejected_pair_never_ends_in_one_cluster_even_through_a_chain():
    roots = cluster(set(), [Edge("sig:a", "sig:b", 0.99), Edge("sig:b", "sig:c", 0.98)], {("sig:a", "sig:c")})
    assert roots["sig:a"] == roots["sig:b"]
    assert roots["sig:c"] != roots["sig:a"]


def test_name_keys_fold_traditional_spaces_and_pinyin():
    assert names.fold("張 偉") == names.fold("张伟") == "张伟"
    assert names.readings("张伟") == ("zhangwei",)
    assert names.readings(names.fold("Zhang Wei")) == ("zhangwei",)
    # 曾 as a surname is zeng; generic tools read ceng, and a bank field may carry that.
    assert names.readings("曾丽") == ("zengli", "cengli")
    assert names.readings("单伟")[0] == "shanwei"
    assert names.company_fold("清溪恒通市政工程有限责任公司") == names.company_fold(
        "清溪恒通市政工程有限公司"
    )
