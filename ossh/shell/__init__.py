"""The interactive shell: state, paths, commands, completion, rendering, REPL and batch mode.

It talks to OSS only through `ossh.client.OssClient` and never imports the embedded server.
"""
