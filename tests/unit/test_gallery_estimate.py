from leadreview.simulation.resources import gallery_estimate


def test_the_estimate_names_the_memory_a_gallery_takes() -> None:
    # Michigan's scale: 50M faces x 128 float32 dimensions is 23.84 GiB of embeddings.
    text = gallery_estimate(50_000_000)
    assert "50,000,000 faces" in text and "23.84 GiB of embeddings" in text
    assert "0.61 GiB of person columns" in text
    assert "11.92 GiB" in gallery_estimate(50_000_000, item_bytes=2)
