"""Do the tables and the bucket answer?"""

from chalicelib.adapters.storage import bucket_answers
from chalicelib.db.bootstrap import tables_answer
from chalicelib.domain.errors import DependencyUnavailableError


def check() -> dict[str, str]:
    if not (tables_answer() and bucket_answers()):
        raise DependencyUnavailableError(retry_after=30)
    return {"status": "ok"}
