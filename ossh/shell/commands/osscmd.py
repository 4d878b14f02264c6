"""The 2013 osscmd command names, as aliases of the shell's commands (`ossh getallbucket`)."""
from ..registry import REGISTRY

for _name, _target, *_preset in (
        ("getallbucket", "ls", "-l", "oss://"), ("gs", "ls", "-l", "oss://"),
        ("createbucket", "mkbucket"), ("cb", "mkbucket"), ("mb", "mkbucket"), ("pb", "mkbucket"),
        ("deletebucket", "rmbucket"), ("db", "rmbucket"), ("deletewholebucket", "rmbucket", "-f"),
        ("list", "ls", "-l", "-r"), ("listallobject", "ls", "-r"),
        ("delete", "rm"), ("del", "rm"), ("deleteallobject", "rm", "-r", "-f"),
        ("upload", "put"), ("uploadfromdir", "put", "-r"), ("multiupload", "put", "--multipart"),
        ("mp", "put", "--multipart"), ("downloadallobject", "get", "-r"), ("multiget", "get"),
        ("copy", "cp"), ("meta", "stat"), ("info", "stat"), ("getacl", "acl"), ("setacl", "acl"),
        ("signurl", "presign"), ("sign", "presign"),
        ("init", "mpu init"), ("listpart", "mpu parts"), ("listparts", "mpu ls"),
        ("getallpartsize", "mpu ls"), ("cancel", "mpu abort")):
    REGISTRY.alias(_name, _target, *_preset)
