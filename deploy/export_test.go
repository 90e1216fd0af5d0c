package deploy

// ParseLiteFSIgnoringUnknownKeys reads a litefs.yml as ParseLiteFS does but
// ignores keys LiteFS does not know, so that such a key fails the one check
// that looks for them rather than every check of the file.
func ParseLiteFSIgnoringUnknownKeys(text []byte, getenv func(string) string) (*LiteFS, error) {
	return parseLiteFS(text, getenv, false)
}
