"""`python -m inspect_app evaluate FILE|-`: evaluate one inspection without a server or database.

Exit status 0 with the result on stdout; 2 with one line per problem on stderr for bad input;
1 when the catalog itself is broken.
"""
from __future__ import annotations

import argparse
import json
import sys

from .domain.catalog import CatalogError
from .evaluation import InvalidInput, evaluate


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.buffer.read().decode("utf-8")
    with open(source, "rb") as handle:
        return handle.read().decode("utf-8")


def _fail(lines: list[str], status: int) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inspect_app", description="Đánh giá một phiếu kiểm tra.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("evaluate", help="đánh giá tệp JSON theo định dạng đánh giá (- là stdin)")
    run.add_argument("file")
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8")
    try:
        doc = json.loads(_read(args.file))
    except OSError as error:
        return _fail([f"{args.file}: không đọc được tệp ({error.strerror})"], 2)
    except UnicodeDecodeError:
        return _fail([f"{args.file}: tệp không phải văn bản UTF-8"], 2)
    except json.JSONDecodeError as error:
        return _fail([f"{args.file}: JSON không hợp lệ ở dòng {error.lineno}, cột {error.colno}: {error.msg}"], 2)
    try:
        result = evaluate(doc)
    except InvalidInput as error:
        return _fail(error.problems, 2)
    except CatalogError as error:
        return _fail(["Danh mục tiêu chí/luật bị lỗi:", *error.problems], 1)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
