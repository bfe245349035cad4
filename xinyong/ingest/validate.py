"""Row validation, vectorised: a whole chunk is checked with Polars expressions at once.

Every check is a rule: where a row breaks it, and the message a clerk reads there. Rows
that break any rule go to quarantine with all their messages, worded for those rows only;
the others come out normalised, linked to a subject code, and keyed by their business key,
ready for the set-based store.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import polars as pl

from xinyong.archive.clocks import display_until
from xinyong.catalog.definitions import (
    CodeTable,
    Dataset,
    FieldDefinition,
    FieldRole,
    FieldType,
    Policies,
)
from xinyong.identity.codes import CodeType
from xinyong.identity.models import SubjectKind
from xinyong.identity.vectorised import (
    Rule,
    broken,
    clean,
    first_message,
    ric_birth_date,
    ric_normalised,
    ric_rules,
    uscc_rules,
)
from xinyong.ingest.columns import ACTION, ACTIONS, ColumnMap
from xinyong.ingest.readers import BAD_JSON, LINE

EXCEL_EPOCH = date(1899, 12, 30)
SENT = "o:"  # prefix of the columns as sent, kept beside the normalised ones
# Subject categories (行政相对人类别 code table): organisation, person, individual business.
ORGANISATION, PERSON, INDIVIDUAL_BUSINESS = "1", "2", "3"
ID_CARD = "001"  # 证件类型: 身份证
ID_TYPES = {
    "002": CodeType.PASSPORT.value,
    "003": CodeType.HK_MO_PERMIT.value,
    "004": CodeType.TW_PERMIT.value,
    "005": CodeType.FOREIGN_PR.value,
    "006": CodeType.HMT_RESIDENCE.value,
}

# Messages a clerk reads after 「第 N 行 字段名:」.
REQUIRED = "必填项为空"
TOO_LONG = "长度 {} 超过上限 {}"
BAD_DATE = "「{}」不是有效日期（应为 2024-03-05、2024/3/5、20240305 或 2024年3月5日）"
FUTURE = "日期 {} 晚于今天"
NOT_IN_TABLE = "「{}」不是有效的{}，可填：{}"
NOT_A_NUMBER = "「{}」不是有效的{}"
NEGATIVE = "不能为负数"
ORG_NEEDS_USCC = "法人及非法人组织必须填写统一社会信用代码"
PERSON_NEEDS_ID = "自然人必须填写证件号码"
BAD_DOCUMENT = "证件号码应为 3 至 64 位字母或数字"
ORG_ONLY = "该信息类只采集法人及非法人组织"
PERSON_ONLY = "该信息类只采集自然人"
NO_SUBJECT_CODE = "无法确定信息主体：缺少统一社会信用代码或证件号码"
BEFORE = "不能早于{}（{}）"
TOO_YOUNG = "信息主体未满 {} 周岁，不得采集"
BAD_ACTION = "「{}」不是有效的操作类型，可填：新增、变更、撤销"
BAD_JSON_ROW = "该行不是有效的 JSON 对象"
DUPLICATE = "业务主键与第 {} 行重复"
# Working columns of a chunk: the first line of each business key, and whether a row failed.
FIRST_LINE, FAILED = "first_line", "failed"


@dataclass(frozen=True)
class FieldRule:
    """A check on a row, reported against ``field``: where it ``fails`` (a boolean per row)
    and the clerk's ``message`` there, which is worded only for the rows that fail."""

    field: FieldDefinition
    fails: pl.Expr
    message: pl.Expr


@dataclass(frozen=True)
class Checked:
    """A validated chunk: accepted rows ready to store, rejected rows with their reasons."""

    accepted: pl.DataFrame
    rejected: pl.DataFrame  # LINE, original (JSON), errors (JSON list)


def _problem(where: pl.Expr, column: str) -> Rule:
    """A code check's message column (``p:…``) as a rule that applies ``where``."""
    return (where & pl.col(column).is_not_null(), pl.col(column))


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Dates as people write them: 2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日,
    with or without a time, or an Excel serial number — one parse per value."""
    text = clean_text(expr)
    day_part = (
        text.str.split_exact(" ", 1)
        .struct.field("field_0")
        .str.split_exact("T", 1)
        .struct.field("field_0")
    )
    dashed = day_part.str.replace_all(r"[/.年月]", "-").str.replace(r"日$", "")
    compact = dashed.str.replace(r"^(\d{4})(\d{2})(\d{2})$", "${1}-${2}-${3}")
    parsed = compact.str.to_date("%Y-%m-%d", strict=False)
    serial = text.cast(pl.Int32, strict=False)
    from_serial = (pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date)
    excel = pl.when(serial.is_between(1, 2_958_465) & (text.str.len_chars() <= 7)).then(from_serial)
    return pl.coalesce([parsed, excel])


def json_object(entries: dict[str, pl.Expr], *, keep_nulls: bool = False) -> pl.Expr:
    """Per row, a JSON object of the entries (in order); null values left out unless kept."""
    if not entries:
        return pl.lit("{}")
    if keep_nulls:
        return pl.struct([e.alias(k) for k, e in entries.items()]).struct.json_encode()
    # Each member encoded on its own (Polars escapes the value), then the non-null joined.
    members = [
        pl.when(e.is_not_null()).then(
            pl.struct(e.alias(k)).struct.json_encode().str.strip_prefix("{").str.strip_suffix("}")
        )
        for k, e in entries.items()
    ]
    return pl.concat_str(
        [pl.lit("{"), pl.concat_str(members, separator=",", ignore_nulls=True), pl.lit("}")]
    )


def _error_lists(failed: pl.DataFrame, rules: list[FieldRule]) -> pl.DataFrame:
    """Per failed row, its errors as a JSON list of {field, name, value, message}, in the
    order of the checks: each rule's message where it fails, turned into rows."""
    checks = pl.DataFrame(
        {
            "check": [f"m:{i}" for i in range(len(rules))],
            "order": list(range(len(rules))),
            "field": [rule.field.code for rule in rules],
            "name": [rule.field.name for rule in rules],
        }
    )
    codes = list(dict.fromkeys(rule.field.code for rule in rules))
    worded = failed.with_columns(
        pl.when(rule.fails).then(rule.message).alias(f"m:{i}") for i, rule in enumerate(rules)
    )
    messages = (
        worded.select(LINE, *checks["check"])
        .unpivot(index=LINE, variable_name="check", value_name="message")
        .drop_nulls("message")
        .join(checks, on="check")
    )
    values = failed.select(LINE, *codes).unpivot(
        index=LINE, variable_name="field", value_name="value"
    )
    error = pl.struct("field", "name", "value", "message").struct.json_encode()
    return (
        messages.join(values, on=[LINE, "field"], how="left")
        .sort(LINE, "order")
        .group_by(LINE, maintain_order=True)
        .agg(pl.format("[{}]", error.str.join(",")).alias("errors"))
    )


def as_sent(frame: pl.DataFrame) -> pl.Expr:
    """The whole row as sent (every column, unknown ones included), for quarantine."""
    return json_object(
        {c[len(SENT) :]: pl.col(c) for c in frame.columns if c.startswith(SENT)}, keep_nulls=True
    )


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Code-like values: full width to half width, no surrounding space."""
    return expr.str.normalize("NFKC").str.strip_chars()


class ChunkValidator:
    """Validates chunks of one file against one dataset (built once per batch)."""

    def __init__(
        self,
        dataset: Dataset,
        tables: dict[str, CodeTable],
        policies: Policies,
        columns: ColumnMap,
        today: date,
    ) -> None:
        self.dataset = dataset
        self.tables = tables
        self.display_until = display_until(dataset, policies)
        self.columns = columns
        self.today = today
        self.role = {f.role: f for f in dataset.fields if f.role is not None}
        # File header -> field code, and the control column's header -> ACTION.
        self.renames = dict(columns.fields)
        if columns.action:
            self.renames[columns.action] = ACTION
        # Every expression depends on the dataset, the columns and the day only: built once
        # per batch, not once per chunk.
        action_raw = pl.col(ACTION)
        self.normalised = [
            pl.when(action_raw.is_null())
            .then(pl.lit("upsert"))
            .otherwise(clean_text(action_raw).replace_strict(ACTIONS, default=None))
            .alias("action"),
            *[self._normalised(f).alias(f"n:{f.code}") for f in dataset.fields],
        ]
        number = self.role.get(FieldRole.SUBJECT_ID_NUMBER)
        rep = self.role.get(FieldRole.LEGAL_REP_ID_NUMBER)
        no_code = pl.lit(None, dtype=pl.String)
        self.codes = [
            (ric_normalised(pl.col(number.code)) if number else no_code).alias("ric"),
            (ric_normalised(pl.col(rep.code)) if rep else no_code).alias("rep_ric"),
        ]
        self.code_checks = self._code_checks()
        kind, code_type, self.subject_rules = self._subject()
        self.subject_kind, self.code_type = kind.alias("subject_kind"), code_type.alias("code_type")
        self.birth_date = (
            pl.when(pl.col("code_type") == CodeType.RIC.value)
            .then(ric_birth_date(pl.col("ric")))
            .alias("birth_date")
        )
        key = pl.concat_str([pl.col(f"n:{k}") for k in dataset.business_key], separator="|")
        self.business_key = key.alias("business_key")
        self.first_line = pl.col(LINE).min().over(key).alias(FIRST_LINE)
        self.rules = self._rules()
        self.duplicate_rule = self._duplicate_rule()

    # -- normalisation ---------------------------------------------------------------

    def _prepare(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Every column as sent kept as ``o:<header>``; mapped columns renamed to field codes,
        blanks to null."""
        sent = [c for c in chunk.columns if c != LINE]
        frame = chunk.select(
            LINE,
            *[pl.col(h).alias(f"{SENT}{h}") for h in sent],
            *[pl.col(h).alias(c) for h, c in self.renames.items() if h in sent],
            *([pl.col(BAD_JSON)] if BAD_JSON in sent else []),
        )
        present = set(frame.columns)
        missing = [f.code for f in self.dataset.fields if f.code not in present]
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing)
        if ACTION not in present:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(ACTION))
        return frame.with_columns(
            _blank_to_null(pl.col(f.code)).alias(f.code) for f in self.dataset.fields
        )

    def _differences(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The catalogued columns whose value as sent differs from what ``data`` stores: with
        ``data`` and the batch's column list they give back the row exactly (provenance),
        at a fraction of the size of a second copy. A withdrawal keeps the whole row, since
        its record keeps the data it withdraws."""
        differing, whole = {}, {}
        for header, code in self.renames.items():
            if f"{SENT}{header}" not in frame.columns:
                continue
            sent = whole[header] = pl.col(f"{SENT}{header}")
            if code == ACTION:
                differing[header] = sent
                continue
            stored = pl.col(f"n:{code}").cast(pl.String)
            differing[header] = pl.when((sent != stored).fill_null(True)).then(sent)
        withdraw = pl.col("action") == "withdraw"
        frame = frame.with_columns(json_object(differing).alias("original"))
        if frame.select(withdraw.any()).item():
            frame = frame.with_columns(
                pl.when(withdraw)
                .then(json_object(whole, keep_nulls=True))
                .otherwise(pl.col("original"))
                .alias("original")
            )
        return frame

    def _normalised(self, item: FieldDefinition) -> pl.Expr:
        """The stored form of a field's value (null when it does not parse)."""
        value = pl.col(item.code)
        if item.type is FieldType.DATE:
            return parse_date(value)
        if item.type is FieldType.ENUM:
            assert item.code_table is not None
            return clean_text(value).replace_strict(
                self._lookup(item.code_table), default=None, return_dtype=pl.String
            )
        if item.type in (FieldType.DECIMAL, FieldType.INTEGER):
            text = clean_text(value).str.replace_all(",", "")
            kind = pl.Float64 if item.type is FieldType.DECIMAL else pl.Int64
            return pl.when(text.cast(kind, strict=False).is_not_null()).then(text)
        if item.role in (FieldRole.SUBJECT_USCC, FieldRole.AUTHORITY_USCC, FieldRole.SOURCE_USCC):
            return clean(value)
        return value

    def _lookup(self, table_code: str) -> dict[str, str]:
        """Code-table entries by code and by name (as cleaned values compare)."""
        lookup: dict[str, str] = {}
        for entry in self.tables[table_code].values:
            for key in (entry.code, entry.name):
                lookup[unicodedata.normalize("NFKC", key).strip()] = entry.code
        return lookup

    # -- checks ----------------------------------------------------------------------

    def _field_checks(self, item: FieldDefinition, withdraw: pl.Expr) -> list[Rule]:
        """One field's own rules (required, length, type, code table)."""
        raw = pl.col(item.code)
        value = pl.col(f"n:{item.code}")
        required = item.required and item.code not in self.dataset.business_key
        key_field = item.code in self.dataset.business_key
        checks: list[Rule] = []
        if required:
            # A withdrawal needs only the business key.
            checks.append((raw.is_null() & ~withdraw, pl.lit(REQUIRED)))
        if key_field:
            checks.append((raw.is_null(), pl.lit(REQUIRED)))
        if item.max_length:
            length = raw.str.len_chars()
            checks.append(
                (length > item.max_length, pl.format(TOO_LONG, length, pl.lit(item.max_length)))
            )
        unparsed = raw.is_not_null() & value.is_null()
        if item.type is FieldType.DATE:
            checks.append((unparsed, pl.format(BAD_DATE, raw)))
        elif item.type is FieldType.ENUM:
            assert item.code_table is not None
            table = self.tables[item.code_table]
            choices = "、".join(v.name for v in table.values[:8])
            checks.append(
                (unparsed, pl.format(NOT_IN_TABLE, raw, pl.lit(table.name), pl.lit(choices)))
            )
        elif item.type in (FieldType.DECIMAL, FieldType.INTEGER):
            kind = "数字" if item.type is FieldType.DECIMAL else "整数"
            checks.append((unparsed, pl.format(NOT_A_NUMBER, raw, pl.lit(kind))))
            checks.append((value.cast(pl.Float64, strict=False) < 0, pl.lit(NEGATIVE)))
        if item.role in (FieldRole.AUTHORITY_USCC, FieldRole.SOURCE_USCC):
            checks.append(_problem(raw.is_not_null(), f"p:n:{item.code}"))
        return checks

    def _code_checks(self) -> list[tuple[str, list[Rule]]]:
        """The USCC and ID-number columns, each with the rules of its kind of code."""
        uscc_roles = (FieldRole.SUBJECT_USCC, FieldRole.AUTHORITY_USCC, FieldRole.SOURCE_USCC)
        columns = [f"n:{f.code}" for f in self.dataset.fields if f.role in uscc_roles]
        checks = [(column, uscc_rules(pl.col(column))) for column in columns]
        return checks + [(c, ric_rules(pl.col(c), self.today)) for c in ("ric", "rep_ric")]

    def _code_problems(self, frame: pl.DataFrame) -> pl.DataFrame:
        """USCC and ID-number checks, made once per distinct code (codes repeat a lot: a
        department's own USCC is on every row) and joined back as ``p:<column>``, the
        message or null; only the bad codes are worded."""
        for column, rules in self.code_checks:
            bad = (
                frame.select(pl.col(column).unique())
                .drop_nulls()
                .filter(broken(rules))
                .with_columns(first_message(rules).alias(f"p:{column}"))
            )
            if bad.is_empty():  # the common case: nothing to join
                frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(f"p:{column}"))
                continue
            frame = frame.join(bad, on=column, how="left", nulls_equal=False, maintain_order="left")
        return frame

    def _subject(self) -> tuple[pl.Expr, pl.Expr, dict[str, list[Rule]]]:
        """Subject kind and code type per row, and the rules about who the row is about."""
        category = self.role.get(FieldRole.SUBJECT_CATEGORY)
        uscc = self.role.get(FieldRole.SUBJECT_USCC)
        id_type = self.role.get(FieldRole.SUBJECT_ID_TYPE)
        id_number = self.role.get(FieldRole.SUBJECT_ID_NUMBER)
        has_uscc = pl.col(uscc.code).is_not_null() if uscc else pl.lit(False)
        has_id = pl.col(id_number.code).is_not_null() if id_number else pl.lit(False)
        kinds = set(self.dataset.subject_kinds)
        if category is not None:
            cat = pl.col(f"n:{category.code}")
        elif kinds == {SubjectKind.ORGANISATION}:
            cat = pl.lit(ORGANISATION)
        elif kinds == {SubjectKind.PERSON}:
            cat = pl.lit(PERSON)
        else:
            cat = pl.when(has_uscc).then(pl.lit(ORGANISATION)).otherwise(pl.lit(PERSON))
        as_org = (cat == ORGANISATION) | ((cat == INDIVIDUAL_BUSINESS) & has_uscc)
        as_person = (cat == PERSON) | ((cat == INDIVIDUAL_BUSINESS) & ~has_uscc)
        kind = (
            pl.when(as_org)
            .then(pl.lit(SubjectKind.ORGANISATION.value))
            .when(as_person)
            .then(pl.lit(SubjectKind.PERSON.value))
        )
        type_code = pl.col(f"n:{id_type.code}") if id_type else pl.lit(None, dtype=pl.String)
        is_ric = type_code.is_null() | (type_code == ID_CARD)
        code_type = (
            pl.when(as_org)
            .then(pl.lit(CodeType.USCC.value))
            .when(as_person & is_ric)
            .then(pl.lit(CodeType.RIC.value))
            .when(as_person)
            .then(type_code.replace_strict(ID_TYPES, default=CodeType.OTHER.value))
        )
        rules: dict[str, list[Rule]] = {}
        subject_field = (uscc or id_number or self.role[FieldRole.SUBJECT_NAME]).code
        if uscc is not None:
            rules.setdefault(uscc.code, []).extend(
                [
                    (as_org & ~has_uscc, pl.lit(ORG_NEEDS_USCC)),
                    _problem(has_uscc & as_org, f"p:n:{uscc.code}"),
                ]
            )
        if id_number is not None:
            not_a_document = ~clean(pl.col(id_number.code)).str.contains(r"^[0-9A-Z()（）]{3,64}$")
            rules.setdefault(id_number.code, []).extend(
                [
                    (as_person & ~has_id, pl.lit(PERSON_NEEDS_ID)),
                    _problem(as_person & has_id & is_ric, "p:ric"),
                    (as_person & has_id & ~is_ric & not_a_document, pl.lit(BAD_DOCUMENT)),
                ]
            )
        if SubjectKind.PERSON not in kinds:
            rules.setdefault(subject_field, []).append((as_person, pl.lit(ORG_ONLY)))
        if SubjectKind.ORGANISATION not in kinds:
            rules.setdefault(subject_field, []).append((as_org, pl.lit(PERSON_ONLY)))
        if uscc is None and id_number is None:
            rules.setdefault(subject_field, []).append((pl.lit(True), pl.lit(NO_SUBJECT_CODE)))
        return kind, code_type, rules

    def _relations(self, withdraw: pl.Expr) -> list[FieldRule]:
        """Rules between fields: dates in order, no future decisions, age, control column."""
        found: list[FieldRule] = []
        decision = self.role.get(FieldRole.DECISION_DATE)
        if decision is not None:
            day = pl.col(f"n:{decision.code}")
            found.append(
                FieldRule(
                    decision, day > pl.lit(self.today), pl.format(FUTURE, day.cast(pl.String))
                )
            )
            until = self.role.get(FieldRole.DISPLAY_UNTIL)
            if until is not None:
                found.append(
                    FieldRule(
                        until,
                        pl.col(f"n:{until.code}") < day,
                        pl.format(BEFORE, pl.lit(decision.name), day.cast(pl.String)),
                    )
                )
            if self.dataset.min_subject_age:
                years = self.dataset.min_subject_age
                young = (pl.col("code_type") == CodeType.RIC.value) & (
                    pl.col("birth_date").dt.offset_by(f"{years}y") > day
                )
                number = self.role.get(FieldRole.SUBJECT_ID_NUMBER) or decision
                found.append(FieldRule(number, young & ~withdraw, pl.lit(TOO_YOUNG.format(years))))
        start, end = self.role.get(FieldRole.VALID_FROM), self.role.get(FieldRole.VALID_UNTIL)
        if start is not None and end is not None:
            begins = pl.col(f"n:{start.code}")
            found.append(
                FieldRule(
                    end,
                    pl.col(f"n:{end.code}") < begins,
                    pl.format(BEFORE, pl.lit(start.name), begins.cast(pl.String)),
                )
            )
        rep = self.role.get(FieldRole.LEGAL_REP_ID_NUMBER)
        if rep is not None:
            given = pl.col(rep.code).is_not_null() & (pl.col("rep_ric").str.len_chars() == 18)
            found.append(FieldRule(rep, *_problem(given, "p:rep_ric")))
        return found

    def _rules(self) -> list[FieldRule]:
        """The rules every chunk applies, in the order a clerk reads them: field by field,
        then between fields, then the control column (``check`` adds the JSON Lines rule
        when the chunk has one, and the duplicate key last)."""
        withdraw = pl.col("action") == "withdraw"
        rules: list[FieldRule] = []
        for item in self.dataset.fields:
            rules += [FieldRule(item, *rule) for rule in self._field_checks(item, withdraw)]
            rules += [
                FieldRule(item, ~withdraw & fails, message)
                for fails, message in self.subject_rules.get(item.code, [])
            ]
        rules += self._relations(withdraw)
        first = self.dataset.fields[0]
        action_raw = pl.col(ACTION)
        rules.append(
            FieldRule(first, pl.col("action").is_null(), pl.format(BAD_ACTION, action_raw))
        )
        return rules

    def _duplicate_rule(self) -> FieldRule:
        """A business key that an earlier line of the chunk already had."""
        key_field = self.dataset.field(self.dataset.business_key[0])
        assert key_field is not None
        first_line = pl.col(FIRST_LINE)
        return FieldRule(
            key_field,
            pl.col("business_key").is_not_null() & (first_line != pl.col(LINE)),
            pl.format(DUPLICATE, first_line),
        )

    def check(self, chunk: pl.DataFrame) -> Checked:
        """Validate one chunk."""
        frame = self._prepare(chunk)
        frame = frame.with_columns(self.normalised)
        frame = self._code_problems(frame.with_columns(self.codes))
        frame = frame.with_columns(self.subject_kind, self.code_type)
        frame = frame.with_columns(self.birth_date)
        # The first line of each key is a window over the whole chunk: computed here, where
        # the failed rows are not yet apart from the others.
        frame = frame.with_columns(self.business_key, self.first_line)
        rules = [*self.rules]
        if BAD_JSON in frame.columns:
            first = self.dataset.fields[0]
            rules.append(FieldRule(first, pl.col(BAD_JSON).is_not_null(), pl.lit(BAD_JSON_ROW)))
        rules.append(self.duplicate_rule)
        # Every rule is a boolean over every row; the messages are worded only for the few
        # rows that fail one.
        frame = frame.with_columns(broken([(r.fails, r.message) for r in rules]).alias(FAILED))
        failed = frame.filter(pl.col(FAILED))
        rejected = failed.select(LINE, as_sent(failed).alias("original")).join(
            _error_lists(failed, rules), on=LINE, how="left", maintain_order="left"
        )
        passed = frame.filter(~pl.col(FAILED))
        return Checked(self._accepted(self._differences(passed)), rejected)

    def _accepted(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The columns the store needs, from rows that passed."""
        uscc = self.role.get(FieldRole.SUBJECT_USCC)
        number = self.role.get(FieldRole.SUBJECT_ID_NUMBER)
        name = self.role[FieldRole.SUBJECT_NAME]
        decision = self.role.get(FieldRole.DECISION_DATE)
        rep_name = self.role.get(FieldRole.LEGAL_REP_NAME)
        is_ric = pl.col("code_type") == CodeType.RIC.value
        raw_number = clean(pl.col(number.code)) if number else pl.lit(None, dtype=pl.String)
        code = (
            pl.when(pl.col("code_type") == CodeType.USCC.value)
            .then(pl.col(f"n:{uscc.code}") if uscc else pl.lit(None, dtype=pl.String))
            .when(is_ric)
            .then(pl.col("ric"))
            .otherwise(raw_number)
        )
        return frame.select(
            pl.col(LINE).cast(pl.Int64),
            "business_key",
            "code_type",
            code.alias("code"),
            pl.col(f"n:{name.code}").alias("subject_name"),
            "subject_kind",
            pl.when(is_ric & (raw_number.str.len_chars() == 15))
            .then(raw_number)
            .alias("legacy_code"),
            "birth_date",
            (pl.col(f"n:{decision.code}") if decision else pl.lit(None, dtype=pl.Date)).alias(
                "decision_date"
            ),
            self.display_until.alias("display_until"),
            "action",
            json_object({f.code: pl.col(f"n:{f.code}") for f in self.dataset.fields}).alias("data"),
            "original",
            (pl.col(f"n:{rep_name.code}") if rep_name else pl.lit(None, dtype=pl.String)).alias(
                "rep_name"
            ),
            pl.when(pl.col("rep_ric").str.len_chars() == 18)
            .then(pl.col("rep_ric"))
            .alias("rep_code"),
            pl.col(f"^{SENT}.*$"),  # for a row the store still refuses (as_sent)
        )
