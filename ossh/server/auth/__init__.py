"""Who sent a request (signatures) and what they may do (ACLs, public-access block, referer rules)."""
