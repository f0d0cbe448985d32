import { describe, expect, it } from "vitest";
import { DOWNLOAD_MAX_BYTES, IMAGE_MAX_BYTES, uploadSizeErrors } from "./uploads";

describe("what the product form's files may weigh", () => {
  it("names each file over its limit, with the server's own words", () => {
    expect(uploadSizeErrors({ image: IMAGE_MAX_BYTES, download: DOWNLOAD_MAX_BYTES })).toEqual({});
    expect(uploadSizeErrors({ image: IMAGE_MAX_BYTES + 1, download: DOWNLOAD_MAX_BYTES + 1 })).toEqual({
      image: "The image is larger than 2 MB. Choose a smaller one.",
      download: "The file is larger than 8 MB.",
    });
  });
});
