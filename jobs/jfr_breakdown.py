#!/usr/bin/env python3
"""Where a scoring job's task time goes, from JFR recordings (see BENCHMARKS.md, "Cutting the Spark
side of scoring"). Used by jobs/bench-score-ab.sh; also runs alone:

    jobs/jfr_breakdown.py RUN1.jfr [RUN2.jfr ...]

For each recording it runs `jfr print --stack-depth 200 --events jdk.ExecutionSample,jdk.NativeMethodSample`
and keeps the samples of Spark's task threads ("Executor task launch worker ..."), without native
samples of threads waiting (socket, poll, park). Each sample gets
  - a stage, from frames near the root: the map stage (read + shuffle write), the validation pass
    of input.bad-rows=fail (jars before it was folded into the scoring pass), the scoring pass (the
    predictions write: scoring, and the Parquet writer pulling rows from it), other tasks;
  - a component: the leaf-most frame that matches one of COMPONENTS (first match in list order for
    that frame), else a generic fallback.
It prints, per recording, the samples of the scoring work (all stages but "other tasks") per
component as a multiple of the forward pass's samples. The forward does the same work in every jar,
so these ratios compare jars even when other processes share the CPU (JFR samples threads that are
in Java or native code, whether or not the OS runs them at that instant).
Record with both sample events at the same period (the JDK's profile settings sample native code
half as often as Java code, which would under-count OpenBLAS).
"""
import collections
import re
import subprocess
import sys

COMPONENTS = [
    ("forward (ScoringForward, nn)", r"dev\.sparklstm\.(nn\.|score\.ScoringForward)|org\.bytedeco\.openblas"),
    ("minibatch encoding", r"dev\.sparklstm\.sequence\.(MinibatchBuilder|FeatureEncoder)|org\.nd4j\."),
    ("output rows: build", r"dev\.sparklstm\.score\.(ScorePartitionFn\.(row|emit)|OutputRows)"),
    ("output rows: Row -> InternalRow (encoder)",
     r"ExpressionEncoder\$Serializer|CatalystTypeConverters|SparkSession\.\$anonfun\$createDataFrame|RowEncoder"),
    ("Parquet write",
     r"ParquetOutputWriter|ParquetWriteSupport|InternalParquetRecordWriter|org\.apache\.parquet\.(column|io|hadoop\.ParquetRecordWriter|hadoop\.CodecFactory)|snappy"),
    ("assemble + check sequences",
     r"dev\.sparklstm\.(train\.(LongRowsToSequencesFn|SequenceAssembler|RowValues|AssembledSequence)|score\.(GroupReader|LongStreams))"),
    ("input rows: InternalRow -> Row", r"SpecificSafeProjection|DeserializeToObject|createExternalRow"),
    ("sort by (id, time)",
     r"UnsafeExternalSorter|UnsafeInMemorySorter|UnsafeExternalRowSorter|SortExec|RadixSort|UnsafeSorterSpill|TimSort"),
    ("shuffle read (incl. LZ4)", r"ShuffleBlockFetcherIterator|UnsafeRowSerializer.*Deserial|BlockStoreShuffleReader|net\.jpountz|LZ4|ShuffledRowRDD"),
    ("shuffle write", r"UnsafeShuffleWriter|ShuffleExternalSorter|SortShuffleWriter|BypassMergeSort|ShuffleWriteProcessor|ShuffleExchangeExec"),
    ("Parquet read",
     r"VectorizedParquetRecordReader|VectorizedRleValuesReader|VectorizedColumnReader|ParquetFileFormat|FileScanRDD|OnHeapColumnVector|ColumnarBatch|ParquetReadSupport"),
]
GENERIC = [("Spark codegen (projections)", r"GeneratedClass|GeneratedIterator|BufferedRowIterator"),
           ("spark-lstm other", r"dev\.sparklstm"), ("Spark other", r"org\.apache\.spark"), ("other", r".")]
FORWARD = COMPONENTS[0][0]
IDLE = re.compile(r"Socket|epoll|park|wait|poll|accept|read0|Thread\.sleep")
EVENT = re.compile(r"jdk\.(ExecutionSample|NativeMethodSample) \{(.*?)\n\}", re.S)
FRAME = re.compile(r"^\s{4}(\S.*?)(?:\s+line: \d+)?$", re.M)


def stage(frames):
    text = " ".join(frames)
    if "ShuffleMapTask" in text:
        return "map: read + shuffle write"
    if "FileFormatWriter" in text:  # the predictions write (rejected/ is empty or small here)
        return "scoring pass"
    if "LongStreams$InvalidSequences" in text:
        return "validation pass"
    return "other tasks"


def component(frames):
    for table in (COMPONENTS, GENERIC):
        for frame in frames:
            for name, pattern in table:
                if re.search(pattern, frame):
                    return name
    return "other"


def classify(recording):
    text = subprocess.run(["jfr", "print", "--stack-depth", "200", "--events",
                           "jdk.ExecutionSample,jdk.NativeMethodSample", recording],
                          check=True, capture_output=True, text=True).stdout
    counts = collections.Counter()
    for match in EVENT.finditer(text):
        kind, body = match.groups()
        thread = re.search(r'sampledThread = "([^"]*)"', body)
        if not thread or not thread.group(1).startswith("Executor task launch") or "stackTrace = [" not in body:
            continue
        frames = [f for f in FRAME.findall(body.split("stackTrace = [", 1)[1]) if f not in ("...", "]")]
        if kind == "NativeMethodSample" and frames and IDLE.search(frames[0]):
            continue
        counts[(stage(frames), component(frames))] += 1
    return counts


def main(recordings):
    runs = {path: classify(path) for path in recordings}
    work = {}
    for path, counts in runs.items():
        work[path] = collections.Counter()
        for (st, name), n in counts.items():
            if st != "other tasks":
                work[path][name] += n
    labels = [p.rsplit("/", 1)[-1].removesuffix(".jfr")[:14] for p in recordings]
    names = sorted({k for c in work.values() for k in c}, key=lambda k: -sum(c[k] / max(c[FORWARD], 1)
                                                                             for c in work.values()))
    print("scoring work per component, in task-thread samples per forward sample")
    print("%-44s" % "component" + "".join("%15s" % label for label in labels))
    for name in names:
        print("%-44s" % name + "".join("%15.3f" % (work[p][name] / max(work[p][FORWARD], 1)) for p in recordings))
    print("%-44s" % "total (scoring work / forward)"
          + "".join("%15.3f" % (sum(work[p].values()) / max(work[p][FORWARD], 1)) for p in recordings))
    print("%-44s" % "forward share of the scoring work"
          + "".join("%14.0f%%" % (100 * work[p][FORWARD] / max(sum(work[p].values()), 1)) for p in recordings))
    print("%-44s" % "samples (scoring work)" + "".join("%15d" % sum(work[p].values()) for p in recordings))
    print()
    print("share of the scoring work's samples per stage")
    stages = ["map: read + shuffle write", "validation pass", "scoring pass"]
    for st in stages:
        print("%-44s" % st + "".join("%14.0f%%" % (100 * sum(n for (s, _), n in runs[p].items() if s == st)
                                                    / max(sum(work[p].values()), 1)) for p in recordings))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1:])
