"""Request validation: names, numbers, headers, tags and configuration documents, and the ACL/permission vocabulary."""
