SELECT `a?` FROM t # ?
WHERE "s?" = ? AND c = 'it\'s ?'