"""Knowledge search over 100,000 articles, half Chinese and half English: p95 query time, and the
time to rebuild the index from scratch.

    .venv/bin/python benchmarks/knowledge_search.py --database sqlite
    .venv/bin/python benchmarks/knowledge_search.py --database postgresql

Writes 100,000 articles (titles of 3-7 words, texts of 25-60 words with Zipf frequencies over
about 6,000 Chinese words, the most frequent of jieba's dictionary, and 6,000 English words, those
of Django's messages, with 170 ERP words of each language among the 20th to 400th most used;
70 % published, 60 % of those on the portal), then rebuilds the index from scratch with
``services.reindex`` (jieba, stemming, pinyin, FTS5 or the tsvector column and its GIN index)
and times it. Then runs each query 20 times
through ``knowledge.search.search`` (segmenting the query, ranking, visibility, fetching the
articles and cutting the highlighted snippets), as a portal user and as the team, and prints
the median and p95 per query and over all. Targets: p95 under 50 ms, rebuild under 5 minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
ARTICLES = 100_000
ROUNDS = 20


def words_of(text: str) -> list[str]:
    return text.split()


ZH = words_of(
    "发票 增值税 凭证 过账 月结 年结 库存 盘点 采购订单 销售订单 供应商 客户 付款 收款 会计期间 "
    "总账 科目 报表 权限 用户 密码 备份 打印 税率 汇率 成本 折旧 固定资产 审批 工作流 错误 提示 "
    "保存 导出 导入 作废 红冲 开具 认证 对账 银行 流水 核销 应收 应付 预付 预收 费用 报销 差旅 "
    "工资 社保 个税 合同 项目 部门 员工 仓库 库位 批次 序列号 物料 单位 价格 折扣 促销 退货 "
    "换货 发货 收货 运输 物流 生产 工单 工艺 物料清单 计划 需求 预测 质量 检验 不合格 供应链 "
    "结算 分录 余额 试算 平衡 利润表 资产负债表 现金流量 预算 控制 审计 日志 登录 会话 超时 "
    "数据库 服务器 升级 补丁 模块 安装 配置 参数 语言 翻译 币种 国家 地址 联系人 电话 邮件 "
    "通知 附件 图片 模板 报价 询价 比价 招标 中标 入库 出库 调拨 组装 拆卸 盘盈 盘亏 报废 "
    "调整 重算 冻结 解冻 关闭 打开 取消 确认 草稿 已过账 已付款 逾期 催款 信用 额度 抵押"
)
ZH_GLUE = ["在", "时", "后", "中", "如何", "无法", "提示", "需要", "请", "可以", "不能", "已经"]
EN = words_of(
    "invoice posting supplier customer payment ledger period closing inventory stock count "
    "purchase order sale tax rate currency depreciation asset approval workflow error report "
    "export import permission user password backup print journal account move line balance "
    "reconcile bank statement receivable payable expense claim travel payroll contract project "
    "department employee warehouse location lot serial product unit price discount promotion "
    "return shipment receipt carrier production routing bill material plan demand forecast "
    "quality inspection supply chain settlement entry trial profit loss cash flow budget control "
    "audit log login session timeout database server upgrade patch module install configure "
    "parameter language translation country address contact phone email notification attachment "
    "image template quotation tender transfer assembly scrap adjust recompute freeze unfreeze "
    "close open cancel confirm draft posted paid overdue reminder credit limit fiscal year "
    "sequence numbering company party category analytic dashboard wizard menu button field "
    "record access group rule field domain cron queue worker email template report engine"
)
EN_GLUE = ["the", "a", "in", "when", "after", "how", "to", "cannot", "is", "of", "for", "with"]
QUERIES = [
    "发票",
    "增值税发票",
    "作废发票",
    "月结",
    "凭证过账",
    "库存盘点",
    "采购订单审批",
    "银行对账",
    "固定资产折旧",
    "无法登录",
    "fp",
    "invoice",
    "invoices",
    "posting",
    "supplier invoice",
    "bank statement reconcile",
    "stock count",
    "fiscal year closing",
    "password",
    "depreciation",
    "cannot post the supplier invoice in March",
    "月结时提示凭证不平衡",
    "tender",
    "抵押",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-kb-"))
    drop = configure(args.database, home)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        fill(args.articles)
        rebuild()
        report(args.database)
    finally:
        from django.db import connections

        connections.close_all()
        drop()


def configure(kind: str, home: Path):
    os.environ["ERPKEEPER_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "erpkeeper.settings"
    if kind == "sqlite":
        os.environ["ERPKEEPER_DATABASE_URL"] = f"sqlite:///{home / 'erpkeeper.sqlite3'}"
        return lambda: None
    name = "ek_bench_" + uuid.uuid4().hex[:10]
    psql(f'CREATE DATABASE "{name}"')
    os.environ["ERPKEEPER_DATABASE_URL"] = f"{PG_SERVER}/{name}"
    return lambda: psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_SERVER}/postgres", "-qc", sql], check=True)


GENERAL_WORDS = 6000


def general_chinese() -> list[str]:
    """Chinese words of two to four characters by their frequency in jieba's dictionary."""
    import jieba

    entries = []
    dictionary = Path(jieba.__file__).parent / "dict.txt"
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, frequency, *_rest = line.split(" ")
        if 2 <= len(word) <= 4 and all("\u4e00" <= char <= "\u9fff" for char in word):
            entries.append((int(frequency), word))
    return [word for _frequency, word in sorted(entries, reverse=True)[:GENERAL_WORDS]]


def general_english() -> list[str]:
    """English words of Django's comments and docstrings (lines starting with # or inside
    triple quotes, roughly), most used first."""
    import re
    from collections import Counter

    import django

    counts: Counter[str] = Counter()
    for source in Path(django.__file__).parent.rglob("*.py"):
        for line in source.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line.startswith("#") or (line[:1].isalpha() and not re.search(r"[=(){}:\[]", line)):
                counts.update(w.lower() for w in re.findall(r"\b[a-z]{3,}\b", line))
    return [word for word, _count in counts.most_common(GENERAL_WORDS)]


def vocabulary(rng: random.Random, erp: list[str], general: list[str]) -> list[str]:
    """The general words with the ERP's words spread among the 20th to 400th most used: a
    knowledge base's own words are common in it, but not the most common."""
    erp = erp[:]
    rng.shuffle(erp)
    words = [word for word in general if word not in set(erp)]
    for index, word in enumerate(erp):
        words.insert(20 + index * 380 // len(erp), word)
    return words


def zipf_weights(count: int) -> list[float]:
    return [1 / rank for rank in range(1, count + 1)]


def words(rng: random.Random, vocabulary, weights, glue, count: int) -> list[str]:
    picked = rng.choices(vocabulary, weights=weights, k=count)
    return [word if rng.random() > 0.25 else f"{rng.choice(glue)} {word}" for word in picked]


def fill(count: int) -> None:
    from erpkeeper.knowledge.models import Article, ArticleKind, Visibility

    rng = random.Random(15)
    zh_vocabulary = vocabulary(rng, ZH, general_chinese())
    en_vocabulary = vocabulary(rng, EN, general_english())
    zh_weights, en_weights = zipf_weights(len(zh_vocabulary)), zipf_weights(len(en_vocabulary))
    kinds = [kind.value for kind in ArticleKind]
    started = time.monotonic()
    batch = []
    for number in range(count):
        chinese = number % 2 == 0
        if chinese:
            title = "".join(words(rng, zh_vocabulary, zh_weights, ZH_GLUE, rng.randint(3, 7)))
            body = "，".join(words(rng, zh_vocabulary, zh_weights, ZH_GLUE, rng.randint(25, 60)))
            body = body.replace(" ", "") + "。"
        else:
            title = " ".join(words(rng, en_vocabulary, en_weights, EN_GLUE, rng.randint(3, 7)))
            body = " ".join(words(rng, en_vocabulary, en_weights, EN_GLUE, rng.randint(25, 60)))
        published = rng.random() < 0.7
        batch.append(
            Article(
                title=title[:255].capitalize(),
                body=body,
                kind=rng.choice(kinds),
                language="zh-hans" if chinese else "en",
                status="published" if published else rng.choice(["draft", "archived"]),
                visibility=Visibility.PORTAL if rng.random() < 0.6 else Visibility.INTERNAL,
            )
        )
        if len(batch) == 2000:
            Article.objects.bulk_create(batch)
            batch.clear()
    Article.objects.bulk_create(batch)
    print(f"{count} articles written in {time.monotonic() - started:.1f} s")


def rebuild() -> None:
    from erpkeeper.knowledge import services

    started = time.monotonic()
    indexed = services.reindex()
    print(f"index rebuilt from scratch: {indexed} articles in {time.monotonic() - started:.1f} s")


def report(database: str) -> None:
    from erpkeeper.knowledge.search import Scope, search

    search("warm up", Scope())  # jieba loads its dictionary once per process
    everything = []
    for label, scope in (("portal user", Scope(portal=True)), ("team", Scope(portal=False))):
        print(f"\n{database}, as {label}: query, hits, median ms, p95 ms")
        for query in QUERIES:
            times = []
            for _round in range(ROUNDS):
                started = time.perf_counter()
                hits = search(query, scope, limit=10)
                times.append((time.perf_counter() - started) * 1000)
            everything += times
            print(f"  {query:<42} {len(hits):>3} {statistics.median(times):7.1f} {p95(times):7.1f}")
    median, slowest = statistics.median(everything), p95(everything)
    print(f"\nall queries: median {median:.1f} ms, p95 {slowest:.1f} ms")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


if __name__ == "__main__":
    main()
