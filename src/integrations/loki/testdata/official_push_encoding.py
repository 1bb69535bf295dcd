#!/usr/bin/env python3
# Regenerates kOfficialEncodingHex in loki_push_test.cc:
#   python3 -m venv /tmp/pb && /tmp/pb/bin/pip install protobuf && /tmp/pb/bin/python official_push_encoding.py
# Builds logproto.PushRequest from push.proto's definitions with the official
# protobuf runtime (no protoc) and prints the serialized bytes as hex.
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import timestamp_pb2
F = descriptor_pb2.FieldDescriptorProto
fd = descriptor_pb2.FileDescriptorProto(name="push.proto", package="logproto", syntax="proto3",
                                         dependency=["google/protobuf/timestamp.proto"])
def msg(name, fields):
    m = fd.message_type.add(name=name)
    for (n, num, typ, label, tname) in fields:
        f = m.field.add(name=n, number=num, type=typ, label=label)
        if tname: f.type_name = tname
O, R = F.LABEL_OPTIONAL, F.LABEL_REPEATED
msg("PushRequest", [("streams", 1, F.TYPE_MESSAGE, R, ".logproto.StreamAdapter"), ("format", 2, F.TYPE_STRING, O, None)])
msg("StreamAdapter", [("labels", 1, F.TYPE_STRING, O, None), ("entries", 2, F.TYPE_MESSAGE, R, ".logproto.EntryAdapter"), ("hash", 3, F.TYPE_UINT64, O, None)])
msg("LabelPairAdapter", [("name", 1, F.TYPE_STRING, O, None), ("value", 2, F.TYPE_STRING, O, None)])
msg("EntryAdapter", [("timestamp", 1, F.TYPE_MESSAGE, O, ".google.protobuf.Timestamp"), ("line", 2, F.TYPE_STRING, O, None),
                     ("structuredMetadata", 3, F.TYPE_MESSAGE, R, ".logproto.LabelPairAdapter")])
pool = descriptor_pool.DescriptorPool()
pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
pool.Add(fd)
PushRequest = message_factory.GetMessageClass(pool.FindMessageTypeByName("logproto.PushRequest"))
r = PushRequest()
s = r.streams.add(labels='{host="web-1", job="varlogs"}')
e = s.entries.add(line="GET /index.html 200")
e.timestamp.seconds = 1700000000; e.timestamp.nanos = 123456789
e = s.entries.add(line="with metadata")
e.timestamp.seconds = 1700000001
e.structuredMetadata.add(name="trace_id", value="0242ac")
s2 = r.streams.add(labels='{job="other"}')
e = s2.entries.add(line="before 1970")
e.timestamp.seconds = -2; e.timestamp.nanos = 999999999
print(r.SerializeToString(deterministic=True).hex())
