"""The 2013 osscmd command names, as aliases of the shell's commands (`ossh getallbucket`), and the two
osscmd part uploads whose argument order differs from `mpu upload-part`."""
from ..registry import REGISTRY, arg, command
from .mpu import part_from

for _name, _target, *_preset in (
        ("getallbucket", "ls", "-l", "oss://"), ("gs", "ls", "-l", "oss://"),
        ("createbucket", "mkbucket"), ("cb", "mkbucket"), ("mb", "mkbucket"), ("pb", "mkbucket"),
        ("deletebucket", "rmbucket"), ("db", "rmbucket"), ("deletewholebucket", "rmbucket", "-f"),
        ("list", "ls", "-l", "-r"), ("listallobject", "ls", "-r"),
        ("delete", "rm"), ("del", "rm"), ("deleteallobject", "rm", "-r", "-f"),
        ("upload", "put"), ("uploadfromdir", "put", "-r"), ("multiupload", "put", "--multipart"),
        ("mp", "put", "--multipart"), ("multi_upload", "put", "--multipart"), ("downloadallobject", "get", "-r"), ("downloadtodir", "get", "-r"),
        ("multiget", "get"), ("multi_get", "get"),
        ("copy", "cp"), ("meta", "stat"), ("info", "stat"), ("getacl", "acl"), ("setacl", "acl"),
        ("signurl", "presign"), ("sign", "presign"),
        ("init", "mpu init"), ("listpart", "mpu parts"), ("listparts", "mpu ls"),
        ("getallpartsize", "mpu ls"), ("cancel", "mpu abort")):
    REGISTRY.alias(_name, _target, *_preset)


_PART_ARGS = (arg("--upload_id", "--upload-id", required=True, metavar="UPLOAD_ID", help="the upload (mpu ls)"),
              arg("--part_number", "--part-number", type=int, required=True, metavar="N",
                  help="the part's number, 1 to 10000"))


@command("uploadpartfromfile", "osscmd: upload one part from a local file (see mpu upload-part).",
         "uploadpartfromfile big.000 oss://b/big.iso --upload_id=0004B98 --part_number=1",
         arg("local", metavar="LOCAL"), arg("key", metavar="oss://BUCKET/KEY"), *_PART_ARGS,
         complete=("local", "remote"), aliases=("upff",))
def upload_part_from_file(ctx, a):
    return part_from(ctx, a.key, a.upload_id, a.part_number, a.local, None)


@command("uploadpartfromstring", "osscmd: upload one part given as text (see mpu upload-part).",
         "uploadpartfromstring oss://b/big.iso --upload_id=0004B98 --part_number=2 --data=hello",
         arg("key", metavar="oss://BUCKET/KEY"), *_PART_ARGS, arg("--data", required=True, metavar="TEXT", help="the part's bytes, given as text"),
         complete=("remote",), aliases=("upfs",))
def upload_part_from_string(ctx, a):
    return part_from(ctx, a.key, a.upload_id, a.part_number, None, a.data)
