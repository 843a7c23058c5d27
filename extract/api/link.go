package api

import "strings"

// nextLink returns the target of the first link whose relation types
// include "next" in the Link header field values (RFC 8288):
//
//	Link: <https://api.example/r?page=2>; rel="next", <…?page=9>; rel="last"
//
// Relation types are compared case-insensitively and may be a
// space-separated list (rel="next last"). Malformed link-values are skipped;
// the target is returned as written (resolve it against the request URL).
func nextLink(values []string) (string, bool) {
	for _, v := range values {
		if t, ok := nextLinkIn(v); ok {
			return t, true
		}
	}
	return "", false
}

func nextLinkIn(s string) (string, bool) {
	i := 0
	for i < len(s) {
		// Between link-values: whitespace and commas.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] != '<' {
			i = skipToComma(s, i)
			continue
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			return "", false
		}
		target := strings.TrimSpace(s[i+1 : i+1+end])
		i += end + 2
		isNext := false
		// Parameters: *( OWS ";" OWS name [ "=" ( token / quoted-string ) ] )
		for {
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			if i >= len(s) || s[i] != ';' {
				break
			}
			i++
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			ns := i
			for i < len(s) && !strings.ContainsRune("=;, \t", rune(s[i])) {
				i++
			}
			name := strings.ToLower(s[ns:i])
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			var val string
			if i < len(s) && s[i] == '=' {
				i++
				for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
					i++
				}
				if i < len(s) && s[i] == '"' {
					var b strings.Builder
					i++
					for i < len(s) && s[i] != '"' {
						if s[i] == '\\' && i+1 < len(s) {
							i++
						}
						b.WriteByte(s[i])
						i++
					}
					if i < len(s) {
						i++ // closing quote
					}
					val = b.String()
				} else {
					vs := i
					for i < len(s) && !strings.ContainsRune(";, \t", rune(s[i])) {
						i++
					}
					val = s[vs:i]
				}
			}
			if name == "rel" && !isNext {
				for _, rel := range strings.Fields(val) {
					if strings.EqualFold(rel, "next") {
						isNext = true
					}
				}
			}
		}
		if isNext && target != "" {
			return target, true
		}
		// Anything unexpected after the parameters: go to the next
		// link-value.
		if i < len(s) && s[i] != ',' {
			i = skipToComma(s, i)
		}
	}
	return "", false
}

// skipToComma returns the index of the next ',' outside <…> and quotes, or
// len(s).
func skipToComma(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ',':
			return i
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end >= 0 {
				i += end + 1
				continue
			}
			return len(s)
		case '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i++
			continue
		}
		i++
	}
	return len(s)
}
