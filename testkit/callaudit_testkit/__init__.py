"""callaudit's test kit: synthetic call centre, Twilio emulator, WER, demo, benchmarks (see testkit/README.md)."""
