package pan

import "testing"

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"card 4242424242424242 used", "4242424242424242"},
		{"4242 4242 4242 4242", "4242 4242 4242 4242"},
		{"5555-5555-5555-4444", "5555 5555 5555 4444"},
		{"Qty 2 4242 4242 4242 4242", "4242 4242 4242 4242"}, // a number before the card
		{"ref 1-4242424242424242", "4242424242424242"},
		{"4242 4242 4242 4242 7", "4242 4242 4242 4242"}, // a number after it
		{"amount 1234567890123 cents", ""},               // 13 digits that fail Luhn
		{"pi_3MtwBwLkdIwHu7ix28a3tqPa", ""},
		{"order 12345, phone 555 0100", ""},
		{"trace 091000019000001", ""}, // an unbroken 15-digit identifier failing Luhn
		{"trace 900000000000001", ""}, // one passing Luhn, but no brand's card begins with 9
		{"mc 2223000048400011", "2223000048400011"},
		{"not mc 2121000000000000", ""}, // Luhn-valid, below Mastercard's 2221
		{"amex 378282246310005", "378282246310005"},
		{"discover 6011111111111117", "6011111111111117"},
		{"id 1000000000000008 and 7000000000000005 and 8000000000000003", ""}, // Luhn-valid, no brand
		{"", ""},
	} {
		got, ok := Find(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Find(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestLuhn(t *testing.T) {
	if !Luhn("79927398713") || Luhn("79927398710") || Luhn("") || Luhn("12a4") {
		t.Fatal("Luhn check is wrong")
	}
}
