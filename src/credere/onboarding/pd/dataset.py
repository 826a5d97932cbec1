"""The training data: the Polish bankruptcy dataset's fifth-year file, read from its ARFF text.

Only the attributes the statement template can compute are kept (:data:`credere.domain.financials.FEATURES`),
in that order; ``?`` (a ratio the dataset could not compute) becomes ``nan``, as a ratio with a zero
denominator does for an applicant.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from credere.domain.financials import FEATURES

DATA = Path(__file__).parent / "data" / "5year.arff.gz"
#: what the model card and the decision records call the training data
SOURCE = ("Polish companies bankruptcy data, 5th year (UCI, doi:10.24432/C5F600, CC BY 4.0): ratios of Polish "
          "manufacturing companies and their bankruptcy status one year later")


class DatasetError(ValueError):
    pass


@dataclass(frozen=True)
class Dataset:
    X: np.ndarray  # rows × features, float64, nan where missing
    y: np.ndarray  # 1 = went bankrupt within the horizon
    matrix: np.ndarray  # every attribute of the file, in order (the class last)
    attributes: tuple[str, ...]  # the file's attribute names, without the class

    def column(self, attribute: int) -> np.ndarray:
        """Any attribute of the file by its 1-based number (for the Altman baseline)."""
        return self.matrix[:, attribute - 1]


def load(path: Path = DATA) -> Dataset:
    opener = gzip.open if path.suffix == ".gz" else open
    names: list[str] = []
    rows: list[list[float]] = []
    in_data = False
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            low = line.lower()
            if low.startswith("@attribute"):
                names.append(line.split("'")[1] if "'" in line else line.split()[1])
            elif low.startswith("@data"):
                in_data = True
            elif in_data:
                values = line.split(",")
                if len(values) != len(names):
                    raise DatasetError(f"{path.name} line {number}: {len(values)} values, {len(names)} attributes")
                rows.append([float("nan") if v == "?" else float(v) for v in values])
    if not rows or names[-1].lower() not in ("class", "bankruptcy"):
        raise DatasetError(f"{path.name}: no data rows or no class attribute")
    matrix = np.array(rows, dtype=np.float64)
    attributes = tuple(names[:-1])
    index = {name: i for i, name in enumerate(attributes)}
    missing = [f.name for f in FEATURES if f.name not in index]
    if missing:
        raise DatasetError(f"{path.name}: attributes not found: {', '.join(missing)}")
    for f in FEATURES:
        if index[f.name] != f.attribute - 1:
            raise DatasetError(f"{path.name}: '{f.name}' is attribute {index[f.name] + 1}, expected {f.attribute}")
    X = matrix[:, [index[f.name] for f in FEATURES]]
    return Dataset(X=X, y=matrix[:, -1].astype(np.int64), matrix=matrix, attributes=attributes)
