package app

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// settingNames are the environment variables LoadConfig reads.
func settingNames() map[string]bool {
	names := map[string]bool{}
	for _, s := range settings {
		names[s.env] = true
	}
	return names
}

// The example environment file names only real settings and loads as is,
// so a copy of it fails for its placeholders' values only at the services.
func TestDeploymentEnvExampleLoads(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../docs/console.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, env := settingNames(), map[string]string{}
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !names[k] {
			t.Errorf("%q is not a setting of app/config.go", line)
		}
		env[k] = strings.Trim(v, `"`) // systemd strips the quotes
	}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	if cfg.testMode() || cfg.Keyring != "awskms" || cfg.MigrateOnStart || cfg.CheckpointS3Bucket == "" {
		t.Errorf("the example should be production's shape: live Stripe, KMS, no migrating, S3 checkpoints; got %+v", cfg)
	}
}

// Every setting docs/deployment.md names in `code` exists.
func TestDeploymentGuideNamesRealSettings(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile("../docs/deployment.md")
	if err != nil {
		t.Fatal(err)
	}
	// KMS's own constants, written the same way.
	notSettings := map[string]bool{"SYMMETRIC_DEFAULT": true, "ENCRYPT_DECRYPT": true, "HMAC_256": true, "GENERATE_VERIFY_MAC": true,
		"ECC_NIST_P256": true, "SIGN_VERIFY": true, "HMAC_SHA_256": true, "ECDSA_SHA_256": true, "AES_256": true}
	names := settingNames()
	spans := regexp.MustCompile("`[^`\n]+`").FindAllString(string(guide), -1)
	name := regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`)
	seen := 0
	for _, span := range spans {
		for _, n := range name.FindAllString(span, -1) {
			seen++
			if !names[n] && !notSettings[n] {
				t.Errorf("docs/deployment.md names %s (in %s), which app/config.go does not read", n, span)
			}
		}
	}
	if seen < 30 {
		t.Errorf("found only %d setting names in the guide: is the pattern still right?", seen)
	}
}
