package audit

import (
	"bytes"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain"
)

func validEvent() Event {
	return Event{
		Actor:   Actor{Type: ActorUser, ID: "u_42", Roles: []string{"operator"}},
		Action:  PaymentRefunded,
		Outcome: Success,
		Origin:  Origin{IP: "203.0.113.7", UserAgent: "Mozilla/5.0"},
		Target:  Target{Type: "payment", ID: "pay_1"},
		Detail:  map[string]string{"amount": "1200", "currency": "USD", "company": "ACME", "return_code": "R01"},
	}
}

func TestEvent_Validate(t *testing.T) {
	if err := validEvent().Validate(); err != nil {
		t.Fatalf("valid event refused: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Event)
	}{
		{"UnknownAction", func(e *Event) { e.Action = "payment.teleported" }},
		{"NoActor", func(e *Event) { e.Actor.ID = "" }},
		{"BadActorType", func(e *Event) { e.Actor.Type = "robot" }},
		{"BadOutcome", func(e *Event) { e.Outcome = "maybe" }},
		{"BadIP", func(e *Event) { e.Origin.IP = "not-an-ip" }},
		{"PasswordInDetail", func(e *Event) { e.Detail["new_password"] = "hunter2hunter2" }},
		{"TOTPInDetail", func(e *Event) { e.Detail["totp"] = "123456" }},
		{"CamelCaseCardNumber", func(e *Event) { e.Detail["cardNumber"] = "x" }},
		{"AccountNumberKey", func(e *Event) { e.Detail["account_number"] = "x" }},
		{"CardNumberValue", func(e *Event) { e.Detail["note"] = "customer read 4111 1111 1111 1111 aloud" }},
		{"HugeDetail", func(e *Event) { e.Detail["note"] = strings.Repeat("x", 1000) }},
		{"TooManyDetails", func(e *Event) {
			for i := range 20 {
				e.Detail[strings.Repeat("k", i+1)] = "v"
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent()
			tt.change(&e)
			if err := e.Validate(); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
		})
	}
	// Digits that are not a card number (fail Luhn) are fine: amounts, ids.
	e := validEvent()
	e.Detail["reference"] = "1234567890123456"
	if err := e.Validate(); err != nil {
		t.Fatalf("a non-Luhn digit run was refused: %v", err)
	}
}

func TestEvent_CanonicalIsStableAndRoundTrips(t *testing.T) {
	a, _ := validEvent().Canonical()
	for range 20 { // map order varies between runs; the bytes must not
		b, _ := validEvent().Canonical()
		if !bytes.Equal(a, b) {
			t.Fatalf("canonical bytes differ:\n%s\n%s", a, b)
		}
	}
	back, err := ParseEntry(a)
	if err != nil || back.Detail["return_code"] != "R01" || back.Actor.Roles[0] != "operator" {
		t.Fatalf("ParseEntry = %+v, %v", back, err)
	}
}

func TestActions_ListedOnceEach(t *testing.T) {
	seen := map[Action]bool{}
	for _, a := range Actions {
		if seen[a] {
			t.Errorf("%s listed twice", a)
		}
		seen[a] = true
		if strings.Count(string(a), ".") < 1 || strings.ToLower(string(a)) != string(a) {
			t.Errorf("%s is not area[.object].verb in lower case", a)
		}
	}
	if len(Actions) < 20 {
		t.Fatalf("%d actions, want the 20+ the areas need", len(Actions))
	}
}
