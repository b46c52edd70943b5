"""FaceSearch backends: the simulated Rekognition (numpy) and the real one (boto3)."""
