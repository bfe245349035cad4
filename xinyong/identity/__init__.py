"""Subject identity: codes (GB 11643, GB 32100), normalisation, masking, subjects, relations."""
