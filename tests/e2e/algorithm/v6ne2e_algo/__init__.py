"""The e2e suite's algorithm: the number of rows of the node's database and the sum of one
of its columns. Wrapped by vantage6-algorithm-tools (PKG_NAME=v6ne2e_algo, the standard
`wrap_algorithm()` command), which reads the database the task names into a DataFrame."""
import pandas as pd
from vantage6.algorithm.tools.decorators import data


@data(1)
def count_and_sum(df: pd.DataFrame, column: str) -> dict:
    return {"rows": int(len(df)), "sum": float(pd.to_numeric(df[column]).sum())}
