package screening

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// letters that decomposition does not reduce to ASCII.
var letterFold = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "ł", "l", "đ", "d", "ð", "d", "þ", "th", "ı", "i", "'", "", "`", "", "’", "")

// normalize lowers s, strips diacritics and punctuation, and puts an
// individual's "SURNAME, Given" in reading order.
func normalize(s string, individual bool) string {
	if individual {
		if surname, given, ok := strings.Cut(s, ","); ok && !strings.Contains(given, ",") {
			s = given + " " + surname
		}
	}
	s = letterFold.Replace(strings.ToLower(s))
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark: é → e
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
		default:
			space = true
		}
	}
	return b.String()
}

// noise are words that tell names apart little: honorifics, and the legal
// forms and connectives of company names. They are left out of matching.
var noise = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sheikh": true, "shaykh": true, "haji": true, "hajji": true,
	"mullah": true, "maulana": true, "general": true, "col": true, "colonel": true, "gen": true,
	"co": true, "company": true, "ltd": true, "limited": true, "llc": true, "inc": true, "incorporated": true, "corp": true,
	"corporation": true, "sa": true, "de": true, "cv": true, "gmbh": true, "ag": true, "plc": true, "jsc": true, "ojsc": true,
	"pjsc": true, "cjsc": true, "ooo": true, "zao": true, "oao": true, "ao": true, "llp": true, "lp": true, "bv": true, "nv": true,
	"spa": true, "srl": true, "sl": true, "fze": true, "fzco": true, "fzc": true, "pte": true, "pvt": true, "sdn": true, "bhd": true,
	"the": true, "and": true, "of": true, "for": true, "y": true, "et": true,
}

// particles are parts of names that many names share (al-, bin, abu):
// they count, but little.
var particles = map[string]bool{"al": true, "el": true, "bin": true, "ibn": true, "bint": true, "abu": true, "abd": true,
	"van": true, "von": true, "der": true, "den": true, "da": true, "di": true, "du": true, "la": true, "le": true, "del": true, "ul": true}

// token is one word of a name, ready for comparison. A minor word (a
// particle, a lone letter) counts little and is not required to match.
type token struct {
	text, sound string
	weight      float64
	minor       bool
}

// tokens splits a normalised name into its words, dropping noise.
func tokens(name string) []token {
	var out []token
	for _, w := range strings.Fields(name) {
		if noise[w] {
			continue
		}
		t := token{text: w, sound: sound(w), weight: float64(len(w))}
		if particles[w] || len(w) == 1 {
			t.weight, t.minor = 0.5, true
		}
		out = append(out, t)
	}
	return out
}

// sound reduces a word to how it is said, so that transliterations of one
// name meet: Mohammed, Muhammad and Mohamad all sound "mhmd". Vowels after
// the first letter go, letters that stand for one sound are merged, and
// doubled letters are one.
func sound(w string) string {
	w = soundFold.Replace(w)
	var b strings.Builder
	var last rune
	for i, r := range w {
		if i > 0 && strings.ContainsRune("aeiouy", r) {
			continue
		}
		if r != last {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}

var soundFold = strings.NewReplacer("ph", "f", "ck", "k", "q", "k", "kh", "h", "gh", "g", "th", "t", "dh", "d", "sch", "sh",
	"tch", "ch", "ou", "u", "oo", "u", "ee", "i", "w", "v", "x", "ks", "z", "s", "c", "k")
