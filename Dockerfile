# One image for the three apps; APP picks which one runs (auth-service | orders-service | billing-service).
#   docker build --build-arg APP=orders-service -t auth-layer/orders-service .
#   docker run -e APP=billing-service auth-layer/orders-service   # APP can also be switched at run time

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
# production, said explicitly (unset means production too): no dev seed, real secrets and https: issuers required
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# auth-service applies its SQL migrations at start (found by walking up from dist/)
COPY apps/auth-service/migrations ./apps/auth-service/migrations
COPY tools/healthcheck.mjs ./tools/healthcheck.mjs
# no config/: the dev seed and its published secrets stay out of the image (docker-compose.yml, a development
# stack, mounts it)
ARG APP=auth-service
ENV APP=${APP}
USER node
EXPOSE 3000 3001 3002
# Readiness (keys loaded, topics caught up, within the staleness bound; for the auth service its database, signing
# key and relay) on the app's own port, HTTPS when it has a certificate.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "tools/healthcheck.mjs"]
CMD ["sh", "-c", "exec node \"dist/apps/$APP/src/main.js\""]
