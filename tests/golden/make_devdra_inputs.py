#!/usr/bin/env python3
"""Writes the hand-made device-* and dra-* golden inputs (names not starting
with gen-). Checksums are filled in by asking the oracle (`oracle KIND
checksum`) or, for the CRC kinds, zlib.crc32 over the data string, so the
"valid" cases are valid for the Go reference; run regen.sh afterwards to get
the oracle's answers.

    KUBELET_CKPT_ORACLE=/path/to/oracle tests/golden/make_devdra_inputs.py
"""
import json
import os
import subprocess
import zlib

ORACLE = os.environ["KUBELET_CKPT_ORACLE"]
HERE = os.path.dirname(os.path.abspath(__file__))


def oracle(kind, op, data):
    r = subprocess.run([ORACLE, kind, op], input=data, capture_output=True)
    return r.stdout


def gen(kind, seed):
    return subprocess.run([ORACLE, kind, "gen", str(seed)], capture_output=True).stdout


def put(kind, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(HERE, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".json"), "wb") as f:
        f.write(data)


def sealed(kind, template):
    """template holds @CK@ where the checksum goes; fill in the oracle's."""
    probe = template.replace("@CK@", "0")
    c = oracle(kind, "checksum", probe.encode()).decode().strip()
    return template.replace("@CK@", c)


def crc_file(data, checksum=None):
    if checksum is None:
        checksum = zlib.crc32(data.encode())
    return json.dumps({"Data": data, "Checksum": checksum}, separators=(",", ":"))


# ---- device-v2 -------------------------------------------------------------
k = "device-v2"
put(k, "numa-keys-sort", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"p","ContainerName":"c","ResourceName":"r","DeviceIDs":{"10":["a"],"-1":["b"],"2":["c"],"+3":["d"],"-10":[]},"AllocResp":null}],"RegisteredDevices":{"r":["a","b","c","d"],"R":null}},"Checksum":@CK@}'))
put(k, "numa-keys-collide", sealed(k, '{"Data":{"PodDeviceEntries":[{"DeviceIDs":{"1":["first"],"01":["second"],"-0":["zero"]}}]},"Checksum":@CK@}'))
put(k, "entries-null", sealed(k, '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":null},"Checksum":@CK@}'))
put(k, "entries-absent", sealed(k, '{"Data":{},"Checksum":@CK@}'))
put(k, "data-absent", sealed(k, '{"Checksum":@CK@}'))
put(k, "entries-empty", sealed(k, '{"Data":{"PodDeviceEntries":[],"RegisteredDevices":{}},"Checksum":@CK@}'))
put(k, "dup-entries-merge", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"a","ContainerName":"c","DeviceIDs":{"0":["x"]},"AllocResp":"AQID"},{"PodUID":"z"}],"PodDeviceEntries":[{"PodUID":"b","DeviceIDs":{"1":["y"]}}]},"Checksum":@CK@}'))
put(k, "case-folded-keys", sealed(k, '{"data":{"podDeviceEntries":[{"poduid":"p","CONTAINERNAME":"c","resourcename":"r","deviceids":{"0":["d"]},"allocresp":"AA=="}],"registereddevices":{"r":["d"]}},"CHECKSUM":@CK@,"bootid":"b"}'))
put(k, "bootid", sealed(k, '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{}},"Checksum":@CK@,"BootID":"1b2c<&>"}'))
put(k, "allocresp-array", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"p","DeviceIDs":{"0":["d"]},"AllocResp":[1,2,255]}]},"Checksum":@CK@}'))
put(k, "allocresp-empty", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"p","DeviceIDs":{},"AllocResp":""}]},"Checksum":@CK@}'))
put(k, "allocresp-bad-base64", '{"Data":{"PodDeviceEntries":[{"AllocResp":"abc"}]},"Checksum":1}')
put(k, "numa-key-bad", '{"Data":{"PodDeviceEntries":[{"DeviceIDs":{"x":["a"]}}]},"Checksum":1}')
put(k, "numa-key-overflow", '{"Data":{"PodDeviceEntries":[{"DeviceIDs":{"9223372036854775808":["a"]}}]},"Checksum":1}')
put(k, "checksum-zero", '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{}},"Checksum":0}')
put(k, "checksum-negative", '{"Data":{},"Checksum":-1}')
put(k, "checksum-above-uint32", '{"Data":{},"Checksum":4294967296}')
put(k, "checksum-float", '{"Data":{},"Checksum":1.0}')
put(k, "corrupt", '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{}},"Checksum":3467439662}')
put(k, "v1-file", gen("device-v1", 7))
put(k, "null-document", "null")
put(k, "empty-file", "")
put(k, "trailing-garbage", '{"Data":{},"Checksum":1} x')
put(k, "html-and-unicode", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"\\u003c\\u2028\\ud800","ContainerName":"\xc3\xa9\\t","ResourceName":"a&b","DeviceIDs":{"-1":["<>"]}}],"RegisteredDevices":{"a&b":["<>"]}},"Checksum":@CK@}'))

# ---- device-v1 -------------------------------------------------------------
k = "device-v1"
put(k, "rename-in-user-strings", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"PodDevicesEntryV1","ContainerName":"checkpointDataV1","ResourceName":"xPodDevicesEntryV1PodDevicesEntryV1","DeviceIDs":["PodDevicesEntryV","PodDevicesEntryV1V1"],"AllocResp":"AQ=="}],"RegisteredDevices":{"PodDevicesEntryV1":["checkpointDataV1"]}},"Checksum":@CK@}'))
put(k, "entries-null", sealed(k, '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":null},"Checksum":@CK@}'))
put(k, "entries-absent", sealed(k, '{"Data":{},"Checksum":@CK@}'))
put(k, "device-ids-null", sealed(k, '{"Data":{"PodDeviceEntries":[{"PodUID":"p","DeviceIDs":null},{"DeviceIDs":[]}]},"Checksum":@CK@}'))
put(k, "v2-file", gen("device-v2", 7))
put(k, "corrupt", '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{}},"Checksum":1}')
put(k, "checksum-zero", '{"Data":{},"Checksum":0}')

# ---- dra spew era ------------------------------------------------------------
for k in ["dra-v2", "dra-v3", "dra-v4", "dra-v5"]:
    put(k, "entries-null", sealed(k, '{"version":"v1","entries":null,"checksum":@CK@}'))
    put(k, "entries-absent", sealed(k, '{"version":"v1","checksum":@CK@}'))
    put(k, "entries-empty", sealed(k, '{"version":"v1","entries":[],"checksum":@CK@}'))
    put(k, "version-other", sealed(k, '{"version":"v9","checksum":@CK@}'))
    put(k, "version-absent", sealed(k, '{"checksum":@CK@}'))
    put(k, "checksum-zero", '{"version":"v1","checksum":0}')
    put(k, "corrupt", '{"version":"v1","checksum":991151042}')
    put(k, "checksum-negative", '{"version":"v1","checksum":-5}')
    put(k, "bad-type", '{"version":1,"checksum":0}')
    put(k, "null-document", "null")
    put(k, "empty-file", "")
    put(k, "trailing-garbage", '{"version":"v1","checksum":991151041}}')

put("dra-v2", "pods-null-cdi-null", sealed("dra-v2", '{"version":"v1","entries":[{"DriverName":"d","ClassName":"c","ClaimUID":"u","ClaimName":"n","Namespace":"ns","PodUIDs":null,"CDIDevices":null},{"PodUIDs":{},"CDIDevices":{"d":null}}],"checksum":@CK@}'))
put("dra-v2", "case-folded", sealed("dra-v2", '{"VERSION":"v1","Entries":[{"drivername":"d","podUIDs":{"b":{},"a":{"x":1}},"cdidevices":{"d":["x"]}}],"CheckSum":@CK@}'))
put("dra-v2", "pod-set-value-not-object", '{"version":"v1","entries":[{"PodUIDs":{"a":1}}],"checksum":0}')

# dra-v2 files (non-empty entries) read by dra-v3/v4 through the fallback,
# dra-v3 files with handles read as dra-v4 (kubernetes issue 123552).
for seed in [3, 5, 8, 11]:
    v2 = gen("dra-v2", seed)
    put("dra-v3", "from-dra-v2-%d" % seed, v2)
    put("dra-v4", "from-dra-v2-%d" % seed, v2)
    put("dra-v4", "from-dra-v3-%d" % seed, gen("dra-v3", seed))
    put("dra-v3", "from-dra-v4-%d" % seed, gen("dra-v4", seed))
put("dra-v4", "structured-data-set", sealed("dra-v4", '{"version":"v1","entries":[{"DriverName":"d","ResourceHandles":[{"driverName":"d","data":"x","structuredData":{"nodeName":"n"}},{}],"CDIDevices":{}}],"checksum":@CK@}'))
put("dra-v4", "handles-null", sealed("dra-v4", '{"version":"v1","entries":[{"DriverName":"d","ResourceHandles":null,"CDIDevices":{"d":["a"]}}],"checksum":@CK@}'))
# dra-v2 file whose fallback must use version "v1" even when the file says v2
put("dra-v4", "fallback-version-forced", sealed("dra-v2", '{"version":"v1","entries":[{"DriverName":"d","PodUIDs":{"p":{}},"CDIDevices":{"d":["a"]}}],"checksum":@CK@}').replace('"version":"v1"', '"version":"v2"'))
put("dra-v5", "nulls", sealed("dra-v5", '{"version":"v1","entries":[{"ClaimUID":"u","PodUIDs":null,"DriverState":null},{"DriverState":{"d":{"Devices":null}}},{"DriverState":{"d":{"Devices":[{"PoolName":"p","DeviceName":"g","RequestNames":null,"CDIDeviceIDs":[]}]}}}],"checksum":@CK@}'))

# ---- dra CRC era ---------------------------------------------------------------
for k, key in [("dra-v6", "Entries"), ("dra-v7", "ClaimInfoStateList"), ("dra-v8", "ClaimInfoStateList")]:
    put(k, "crc-mismatch", crc_file('{"kind":"DRACheckpoint","apiVersion":"checkpoint.dra.kubelet.k8s.io/v1","%s":null}' % key, 1))
    put(k, "data-not-json", crc_file('{"kind":"DRACheckpoint",'))
    put(k, "data-wrong-type", crc_file('{"%s":{}}' % key))
    put(k, "data-null", crc_file("null"))
    put(k, "data-empty", crc_file(""))
    put(k, "data-absent", '{"Checksum":0}')
    put(k, "checksum-above-uint32", '{"Data":"","Checksum":4294967296}')
    put(k, "checksum-negative", '{"Data":"","Checksum":-1}')
    put(k, "data-minimal", crc_file('{"%s":[{"ClaimUID":"u","PodUIDs":{"p":{}},"DriverState":{"d":{"Devices":[{"PoolName":"p","DeviceName":"g"}]}}}]}' % key))
    put(k, "data-whitespace-and-case", crc_file(' { "KIND" : "x", "%s" : [ { "claimuid" : "u\\u003c" , "Namespace":"\\ud800" } ] } ' % key.lower()))
    put(k, "data-unknown-keys", crc_file('{"kind":"Other","apiVersion":"v9","Foo":1,"%s":[]}' % key))
    put(k, "outer-case-folded", json.dumps({"data": "null", "CHECKSUM": zlib.crc32(b"null")}))
    put(k, "null-document", "null")
    put(k, "empty-file", "")
    put(k, "trailing-garbage", crc_file("null") + "x")
put("dra-v7", "from-dra-v6-3", gen("dra-v6", 3))
put("dra-v6", "from-dra-v7-3", gen("dra-v7", 3))
put("dra-v8", "from-dra-v7-3", gen("dra-v7", 3))
put("dra-v7", "from-dra-v8-3", gen("dra-v8", 3))
put("dra-v8", "share-id", crc_file('{"ClaimInfoStateList":[{"ClaimUID":"u","DriverState":{"d":{"Devices":[{"PoolName":"p","DeviceName":"g","ShareID":"s-1"},{"ShareID":null},{"ShareID":""}]}}}]}'))
