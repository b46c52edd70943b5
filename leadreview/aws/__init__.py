"""What every AWS client of leadreview shares: one session and client factory."""
