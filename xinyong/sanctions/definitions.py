"""Measures (措施) and scenarios (场景) from a versioned file, checked against the lists."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.core.errors import InvalidInput
from xinyong.lists.definitions import ListKind, ListsFile

PACKAGED_MEASURES = Path(__file__).parent / "files" / "measures.yaml"
CODE = r"^[A-Z][A-Z0-9_]{1,31}$"


class Strict(BaseModel):
    """Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Scenario(Strict):
    """Where a department checks before it acts (行政许可, 政府采购 …)."""

    code: str = Field(pattern=CODE)
    name: str


class Measure(Strict):
    """One measure: what, on what basis, by whom, for which lists, in which scenarios."""

    code: str = Field(pattern=CODE)
    name: str
    basis: str = Field(min_length=2, description="法律及政策依据")
    implementer: str = Field(description="实施单位")
    kind: ListKind
    mandatory: bool
    lists: tuple[str, ...] = Field(min_length=1)
    scenarios: tuple[str, ...] = Field(min_length=1)


class MeasuresFile(Strict):
    """The whole measures file."""

    version: str
    scenarios: tuple[Scenario, ...]
    measures: tuple[Measure, ...]

    def scenario(self, code: str) -> Scenario | None:
        """The scenario with this code."""
        return self._scenarios.get(code.upper())

    def applying(self, scenario: str) -> dict[str, list[Measure]]:
        """The measures of ``scenario`` by list code."""
        return self._applying.get(scenario, {})

    # Worked out once per file rather than per check: every check asks for its scenario.
    @cached_property
    def _scenarios(self) -> dict[str, Scenario]:
        return {s.code: s for s in self.scenarios}

    @cached_property
    def _applying(self) -> dict[str, dict[str, list[Measure]]]:
        found: dict[str, dict[str, list[Measure]]] = {}
        for measure in self.measures:
            for scenario in measure.scenarios:
                for code in measure.lists:
                    found.setdefault(scenario, {}).setdefault(code, []).append(measure)
        return found


def check_against(measures: MeasuresFile, lists: ListsFile) -> None:
    """Measures name known lists and scenarios; a measure's kind is its lists' kind."""
    kinds = {d.code: d.kind for d in lists.lists}
    scenarios = {s.code for s in measures.scenarios}
    codes = [m.code for m in measures.measures]
    if len(set(codes)) != len(codes) or len(scenarios) != len(measures.scenarios):
        raise InvalidInput("measures file: a code is used twice")
    for measure in measures.measures:
        for code in measure.lists:
            if kinds.get(code) is not measure.kind:
                raise InvalidInput(
                    f"measure {measure.code}: list {code} is unknown or of another kind"
                )
        unknown = set(measure.scenarios) - scenarios
        if unknown:
            raise InvalidInput(f"measure {measure.code}: unknown scenarios {sorted(unknown)}")


_LOADED: dict[str, MeasuresFile] = {}


def get_measures(lists: ListsFile, path: Path = PACKAGED_MEASURES) -> MeasuresFile:
    """The packaged measures, loaded and checked once per lists version."""
    key = f"{lists.version}:{path}"
    if key not in _LOADED:
        try:
            parsed = MeasuresFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise InvalidInput(f"measures file {path} is invalid: {exc}") from exc
        check_against(parsed, lists)
        _LOADED[key] = parsed
    return _LOADED[key]
