package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paycompliance/console/app"
	"github.com/paycompliance/console/domain/identity"
)

// DemoUser returns a demo user's credentials, as `serve --demo` wrote them.
func (c *Console) DemoUser(t *testing.T, username string) app.DemoUser {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.DataDir, app.DemoCredentialsFile))
	if err != nil {
		t.Fatalf("demo credentials: %v", err)
	}
	var users []app.DemoUser
	if err := json.Unmarshal(b, &users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			return u
		}
	}
	t.Fatalf("no demo user %s", username)
	return app.DemoUser{}
}

// Code acts as the user's authenticator app: a code for a time step later
// than any this test used with the secret (the console accepts each step
// once, and one step ahead for clock drift), waiting for one if needed.
func (c *Console) Code(t *testing.T, secret string) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastStep == nil { // a Console built by hand, for a console started elsewhere
		c.lastStep = map[string]int64{}
	}
	step := max(identity.TOTPStep(time.Now()), c.lastStep[secret]+1)
	for step > identity.TOTPStep(time.Now())+1 {
		time.Sleep(time.Second)
	}
	c.lastStep[secret] = step
	return identity.TOTPCode(secret, time.Unix(step*30, 0))
}

// SignIn signs a demo user in through the sign-in pages and waits for the
// overview.
func (c *Console) SignIn(t *testing.T, b *Browser, username string) {
	t.Helper()
	u := c.DemoUser(t, username)
	b.Do(t,
		chromedp.Navigate(c.URL+"/login"),
		chromedp.WaitVisible(`[data-testid=login-form]`),
		chromedp.SendKeys(`#username`, u.Username),
		chromedp.SendKeys(`#password`, u.Password),
		chromedp.Click(`[data-testid=login-submit]`),
		chromedp.WaitVisible(`[data-testid=mfa-form]`),
		chromedp.SendKeys(`#code`, c.Code(t, u.TOTPSecret)),
		chromedp.Click(`[data-testid=mfa-submit]`),
		chromedp.WaitVisible(`[data-testid=account-link]`),
	)
}

// StepUp passes a step-up on its page, as a link to a sensitive page leads.
func (c *Console) StepUp(t *testing.T, b *Browser, username string) {
	t.Helper()
	u := c.DemoUser(t, username)
	b.Do(t,
		chromedp.Navigate(c.URL+"/stepup"),
		chromedp.WaitVisible(`[data-testid=stepup-form]`),
		chromedp.SendKeys(`#stepup-code`, c.Code(t, u.TOTPSecret)),
		chromedp.Click(`[data-testid=stepup-submit]`),
		chromedp.WaitVisible(`[data-testid=widgets]`),
	)
}
