package jlex

// Exported for the tests of package jlex_test only: helpers the lexer uses
// itself, which are not part of the runtime's API.

var (
	ParseAddr     = parseAddr
	ParseRFC3339  = parseRFC3339
	ParseUnix     = parseUnix
	SplitHostPort = splitHostPort
	SplitPart     = splitPart
	SplitAddrPort = splitAddrPort
)

// The methods and limits below let tests reach the lexer's internals.

func (l *Lexer) IsNull() bool                { return l.isNull() }
func (l *Lexer) Missing(name string)         { l.missing(name) }
func (l *Lexer) SetPathPrefix(prefix string) { l.setPathPrefix(prefix) }
func (l *Lexer) SetMaxDepth(n int)           { l.depthLimit = n }
