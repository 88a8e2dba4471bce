// Package pci is the PCI DSS v4.0.1 scorecard: a catalogue of the
// requirements this system can speak to, kept as data, automated checks
// that read the console's live state and say pass or fail with the
// evidence they looked at, attestations for what software cannot see, and
// runs whose scores, history and differences compliance officers and
// assessors can follow back to that evidence. A run's report is signed by
// the keyring, so its integrity can be checked offline.
package pci

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// Catalogue is one version of the standard, as far as the console speaks
// to it. A new PCI DSS version is a new catalogue file, not new code.
type Catalogue struct {
	Version      string        `json:"version"`
	Published    string        `json:"published"`
	Requirements []Requirement `json:"requirements"`
}

// Requirement is one of the twelve principal requirements.
type Requirement struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Subs    []Sub  `json:"subs"`
}

// Sub is a sub-requirement and how it is evidenced: by automated checks,
// by a person's attestation, or not at all, with why it does not apply.
type Sub struct {
	ID            string   `json:"id"`
	Summary       string   `json:"summary"`
	Checks        []string `json:"checks,omitempty"`
	Attested      bool     `json:"attested,omitempty"`
	NotApplicable string   `json:"not_applicable,omitempty"`
}

//go:embed catalogue-4.0.1.json
var catalogue401 []byte

// Current is the catalogue the console assesses against, parsed once.
var Current = sync.OnceValue(func() Catalogue {
	c, err := parseCatalogue(catalogue401)
	if err != nil {
		panic(err) // the embedded file is checked by a test
	}
	return c
})

func parseCatalogue(data []byte) (Catalogue, error) {
	var c Catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		return c, err
	}
	seen := map[string]bool{}
	for _, r := range c.Requirements {
		for _, s := range r.Subs {
			ways := len(s.Checks)
			if s.Attested {
				ways++
			}
			if s.NotApplicable != "" {
				ways++
			}
			switch {
			case seen[s.ID]:
				return c, fmt.Errorf("pci catalogue %s: %s twice", c.Version, s.ID)
			case ways == 0:
				return c, fmt.Errorf("pci catalogue %s: %s has no evidence", c.Version, s.ID)
			case s.NotApplicable != "" && ways > 1:
				return c, fmt.Errorf("pci catalogue %s: %s is not applicable and evidenced", c.Version, s.ID)
			}
			for _, id := range s.Checks {
				if _, ok := checks[id]; !ok {
					return c, fmt.Errorf("pci catalogue %s: %s names unknown check %q", c.Version, s.ID, id)
				}
			}
			seen[s.ID] = true
		}
	}
	return c, nil
}

// Requirement finds a principal requirement by id.
func (c Catalogue) Requirement(id string) (Requirement, bool) {
	for _, r := range c.Requirements {
		if r.ID == id {
			return r, true
		}
	}
	return Requirement{}, false
}

// Sub finds a sub-requirement, and its requirement, by id.
func (c Catalogue) Sub(id string) (Requirement, Sub, bool) {
	for _, r := range c.Requirements {
		for _, s := range r.Subs {
			if s.ID == id {
				return r, s, true
			}
		}
	}
	return Requirement{}, Sub{}, false
}
