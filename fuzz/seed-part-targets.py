#!/usr/bin/env python3
"""(Re)creates the seed corpora of the per-kind and part targets in
corpus/TARGET/ (top of the repository) from the golden files; no Go needed.

    python3 fuzz/seed-part-targets.py                 # every target below
                                                      # (kind kind_fast salvage identify release
                                                      #  inspect snapshot repair convert human)
    python3 fuzz/seed-part-targets.py kind snapshot   # some

`kind` and `inspect` seeds start with the byte that selects the golden
file's kind (its index in `kubelet-ckpt kinds -o json`, which is registry
order: rerun this after adding kinds); `release` seeds with the two bytes
(little-endian) of a release-table row that reads the file; `identify` seeds
with a path selector and a release byte (see fuzz/src/lib.rs, `split_path`).
`snapshot` seeds are small tar archives (plain, gzip, zstd when the `zstd`
command exists, and "compress it for me" mode bytes) holding a kubelet
directory with a state file, a symlink, a directory and a FIFO, written by
Python's tarfile.
"""
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
GOLDEN = os.path.join(ROOT, "tests", "golden")
CORPUS = os.path.join(ROOT, "corpus")


def kinds():
    # KUBELET_CKPT_BIN: an already built binary (else `cargo run`).
    cmd = [os.environ["KUBELET_CKPT_BIN"]] if os.environ.get("KUBELET_CKPT_BIN") else [
        "cargo", "run", "--quiet", "--"]
    out = subprocess.run(
        cmd + ["kinds", "-o", "json"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout
    doc = json.loads(out)
    rows = doc if isinstance(doc, list) else doc["kinds"]
    return [(r["name"], r["file"]) for r in rows]


def golden(kind, names):
    """The golden inputs `names` of `kind` that exist, as (name, bytes)."""
    d = os.path.join(GOLDEN, kind)
    for n in names:
        p = os.path.join(d, n + ".json")
        if os.path.isfile(p):
            with open(p, "rb") as f:
                yield n, f.read()


def fresh(target):
    out = os.path.join(CORPUS, target)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    return out


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def seed_kind(target, names):
    out = fresh(target)
    for i, (kind, _) in enumerate(kinds()):
        for n, data in golden(kind, names):
            write(out, f"{kind}-{n}", bytes([i]) + data)


def seed_salvage():
    out = fresh("salvage")
    for kind in ["cpu-v2", "memory-v3", "dra-v7", "allocated-v4"]:
        for n, data in golden(kind, ["gen-1"]):
            write(out, f"{kind}-{n}", data)
            write(out, f"{kind}-{n}-torn", data[: len(data) * 2 // 3])
            write(out, f"{kind}-{n}-nul", data[: len(data) // 2] + b"\0" * 64)
            write(out, f"{kind}-{n}-bom", b"\xef\xbb\xbf" + data)
            write(out, f"{kind}-{n}-twice", data + data)
    write(out, "deep", b"[" * 200 + b"]" * 199)
    write(out, "scalar", b' "a\\u00e9" ')
    write(out, "bad-utf8", b'{"a":"\xff"}')


def seed_identify():
    out = fresh("identify")
    for i, (kind, _) in enumerate(kinds()):
        for n, data in golden(kind, ["gen-1"]):
            # No release (200); a release (the byte gives 1.(8+b%32)); a path
            # out of the input.
            write(out, f"{kind}-{n}", bytes([i * 2, 200]) + data)
            if i % 3 == 0:
                write(out, f"{kind}-{n}-rel", bytes([i * 2, 22]) + data)
            if i % 5 == 0:
                write(out, f"{kind}-{n}-path", bytes([0, 255]) + b"/x/" + kind.encode() + b"\n" + data)


def seed_release():
    out = fresh("release")
    with open(os.path.join(ROOT, "src", "formats", "releases.tsv")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f][1:]
    seen = set()
    # One seed per (file, reader kind): the newest row that reads it.
    for i, r in reversed(list(enumerate(rows))):
        for kind in r[2].replace("|", ",").split(","):
            kind = kind.split("=")[-1]
            if (r[0], kind) in seen:
                continue
            seen.add((r[0], kind))
            file = r[0].replace("/", "_").replace("*", "x")
            for n, data in golden(kind, ["gen-1"]):
                write(out, f"{file}-{r[1]}-{kind}", i.to_bytes(2, "little") + data)


def tar_bytes(files, gz=False):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, data in files:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                t.addfile(ti)
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
                t.addfile(ti)
            else:
                ti.size, ti.mode = len(data), 0o644
                t.addfile(ti, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if gz else raw


def seed_snapshot():
    out = fresh("snapshot")
    state = next(golden("cpu-v2", ["gen-1"]))[1][:900]
    files = [
        ("var/lib/kubelet", "dir", None),
        ("var/lib/kubelet/cpu_manager_state", "file", state),
        ("var/lib/kubelet/memory_manager_state", "sym", "../../../etc/passwd"),
        ("var/lib/kubelet/pods", "sym", "/var/lib/kubelet"),
        ("var/lib/kubelet/fifo", "fifo", None),
        ("../escape", "file", b"x"),
        ("var/lib/kubelet/" + "d/" * 60 + "long", "file", b"{}"),
    ]
    raw = tar_bytes(files)
    write(out, "tar", b"\0" + raw)
    write(out, "tar-gzip-here", b"\1" + raw)
    write(out, "tar-zstd-here", b"\2" + raw)
    write(out, "tar.gz", b"\0" + tar_bytes(files, gz=True))
    write(out, "tar-truncated", b"\0" + raw[:1300])
    big = tar_bytes([("var/lib/kubelet/dra_manager_state", "file", b"0" * 4096)])
    write(out, "tar-over-file-limit", b"\1" + big)
    if shutil.which("zstd"):
        z = subprocess.run(["zstd", "-q", "-c"], input=raw, check=True, capture_output=True).stdout
        write(out, "tar.zst", b"\0" + z)


def table_files():
    """The release table's file names in table order (`releases::files()`,
    the `repair` target's path list, which ends with one unknown name)."""
    out = []
    with open(os.path.join(ROOT, "src", "formats", "releases.tsv")) as f:
        for l in list(f)[1:]:
            name = l.split("\t")[0]
            if name not in out:
                out.append(name)
    return out


def seed_repair():
    # Byte 0: the path (index into the table's files); byte 1: the request
    # (48: the newest release that reads the file, no --allow-loss; 112:
    # the same with --allow-loss; 27: --for-kubelet 1.35).
    out = fresh("repair")
    files = table_files()
    for kind, file in kinds():
        if file not in files:
            continue
        i = files.index(file)
        for n, data in golden(kind, ["gen-1", "hand-corrupt"]):
            write(out, f"{kind}-{n}", bytes([i, 48]) + data)
        for n, data in golden(kind, ["gen-2"]):
            write(out, f"{kind}-{n}-torn-loss", bytes([i, 112]) + data[: len(data) * 2 // 3])
            write(out, f"{kind}-{n}-1.35", bytes([i, 27]) + data)
    write(out, "unknown-name", bytes([len(files), 48]) + b'{"a":')
    write(out, "empty-cpu", bytes([files.index("cpu_manager_state"), 48]))


def seed_convert():
    # Byte 0: the source kind; byte 1: the target (below 128 a kind of the
    # same file, 128 YAML, 129 JSON, 207 the shape kubelet 1.35 writes).
    out = fresh("convert")
    ks = kinds()
    for i, (kind, file) in enumerate(ks):
        same = [k for k, f in ks if f == file]
        for n, data in golden(kind, ["gen-1"]):
            write(out, f"{kind}-{n}-yaml", bytes([i, 128]) + data)
            write(out, f"{kind}-{n}-json", bytes([i, 129]) + data)
            write(out, f"{kind}-{n}-1.35", bytes([i, 207]) + data)
            # The next kind of the same file.
            write(out, f"{kind}-{n}-next", bytes([i, (same.index(kind) + 1) % len(same)]) + data)


def seed_human():
    # The human documents `convert --to yaml|json` writes, one per kind,
    # and one with the error comments `edit` puts on top.
    out = fresh("human")
    cmd = [os.environ["KUBELET_CKPT_BIN"]] if os.environ.get("KUBELET_CKPT_BIN") else [
        "cargo", "run", "--quiet", "--"]
    for kind, _ in kinds():
        p = os.path.join(GOLDEN, kind, "gen-1.json")
        if not os.path.isfile(p):
            continue
        for to in ["yaml", "json"] if kind.endswith(("v2", "-v1alpha1")) else ["yaml"]:
            r = subprocess.run(cmd + ["convert", "--kind", kind, "--to", to, p],
                               cwd=ROOT, capture_output=True)
            if r.returncode == 0 and len(r.stdout) <= 4096:
                write(out, f"{kind}-gen-1.{to}", r.stdout)
                if kind == "cpu-v2" and to == "yaml":
                    write(out, "cpu-v2-edit-error.yaml",
                          b"# kubelet-ckpt: error: x\n# kubelet-ckpt: fix it\n" + r.stdout)
    write(out, "not-a-state.yaml", b"family: cpu\nstate: [1, 2\n")
    write(out, "anchors.yaml", b"a: &x [*x]\n")


def main():
    targets = sys.argv[1:] or ["kind", "kind_fast", "salvage", "identify", "release", "inspect",
                               "snapshot", "repair", "convert", "human"]
    for t in targets:
        if t == "kind":
            seed_kind("kind", ["gen-1", "hand-null", "hand-corrupt", "data-null"])
        elif t == "kind_fast":
            seed_kind("kind_fast", ["gen-1", "hand-corrupt"])
        elif t == "repair":
            seed_repair()
        elif t == "convert":
            seed_convert()
        elif t == "human":
            seed_human()
        elif t == "inspect":
            seed_kind("inspect", ["gen-1", "gen-2"])
        elif t == "salvage":
            seed_salvage()
        elif t == "identify":
            seed_identify()
        elif t == "release":
            seed_release()
        elif t == "snapshot":
            seed_snapshot()
        else:
            sys.exit(f"unknown target {t}")
        d = os.path.join(CORPUS, t)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print(f"{t}: {len(os.listdir(d))} seeds, {size // 1024} KiB")


if __name__ == "__main__":
    main()
